/* hy-mime-error.h — error domain of the message model and builder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HY_MIME_ERROR (hy_mime_error_quark ())

typedef enum {
  HY_MIME_ERROR_INVALID_HEADER = 1,   /* bad header name or value (injection) */
  HY_MIME_ERROR_INVALID_ADDRESS,      /* an address that cannot be sent to */
  HY_MIME_ERROR_INVALID_STRUCTURE,    /* a tree operation the message shape forbids */
  HY_MIME_ERROR_MISSING_FIELD,        /* From, recipients or body missing */
  HY_MIME_ERROR_IO,                   /* reading an attachment or writing output failed */
  HY_MIME_ERROR_TOO_LARGE,            /* input beyond the model's limits */
} HyMimeError;

GQuark hy_mime_error_quark (void);

G_END_DECLS
