#include "xvm-error.h"

G_DEFINE_QUARK(xvm-error-quark, xvm_error)
