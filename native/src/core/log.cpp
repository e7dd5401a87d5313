#include "mfaphone/internal/log.hpp"

#include <cctype>

namespace mfaphone {}  // namespace mfaphone
