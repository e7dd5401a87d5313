// Umbrella header of the MfaPhone native core's public API.
#pragma once

#include "mfaphone/context.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/events.hpp"
#include "mfaphone/phone.hpp"
#include "mfaphone/relay.hpp"
#include "mfaphone/secret.hpp"
#include "mfaphone/session.hpp"
#include "mfaphone/webhook.hpp"
