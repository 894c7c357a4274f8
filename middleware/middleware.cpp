#include "middleware/middleware.h"
