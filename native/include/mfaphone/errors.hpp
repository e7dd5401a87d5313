// The one exception hierarchy of the native core. Every error the engine raises derives from
// mfaphone::Error; the SWIG boundary translates each kind to its own managed exception type.
// Messages never contain secrets, tokens or raw response bodies.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace mfaphone {

enum class ErrorKind {
    Internal = 0,
    InvalidInput = 1,
    Auth = 2,
    RequestFailed = 3,
    Transport = 4,
    Cancelled = 5,
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), m_kind(kind) {}
    ErrorKind kind() const noexcept { return m_kind; }

private:
    ErrorKind m_kind;
};

class InvalidInputError : public Error {
public:
    explicit InvalidInputError(const std::string& message) : Error(ErrorKind::InvalidInput, message) {}
};

// Sign-in failed: carries the OAuth error ("invalid_client"), the first AADSTS code and the
// correlation id so an admin can look the failure up in the sign-in logs.
class AuthError : public Error {
public:
    AuthError(const std::string& message, std::string error = {}, long aadsts = 0,
              std::string correlationId = {}, int httpStatus = 0)
        : Error(ErrorKind::Auth, message),
          m_error(std::move(error)),
          m_aadsts(aadsts),
          m_correlationId(std::move(correlationId)),
          m_status(httpStatus) {}
    const std::string& error() const noexcept { return m_error; }
    long aadsts() const noexcept { return m_aadsts; }
    const std::string& correlationId() const noexcept { return m_correlationId; }
    int httpStatus() const noexcept { return m_status; }

private:
    std::string m_error;
    long m_aadsts;
    std::string m_correlationId;
    int m_status;
};

// A service answered with an error status. Carries the HTTP status, the service's error code
// (Graph `error.code`), its message and the request id, never the raw body.
class RequestFailedError : public Error {
public:
    RequestFailedError(const std::string& message, int status, std::string code, std::string requestId)
        : Error(ErrorKind::RequestFailed, message),
          m_status(status),
          m_code(std::move(code)),
          m_requestId(std::move(requestId)) {}
    int status() const noexcept { return m_status; }
    const std::string& code() const noexcept { return m_code; }
    const std::string& requestId() const noexcept { return m_requestId; }

private:
    int m_status;
    std::string m_code;
    std::string m_requestId;
};

// The request never produced an HTTP answer: DNS, connect, TLS, timeout, reset. `retriable` is
// false when trying again cannot help (the server's certificate failed verification, a
// malformed URL, an unsupported protocol).
class TransportError : public Error {
public:
    explicit TransportError(const std::string& message, bool timedOut = false, bool retriable = true)
        : Error(ErrorKind::Transport, message), m_timedOut(timedOut), m_retriable(retriable) {}
    bool timedOut() const noexcept { return m_timedOut; }
    bool retriable() const noexcept { return m_retriable; }

private:
    bool m_timedOut;
    bool m_retriable;
};

// Retrying a request ended without a usable answer: the service kept answering 429/5xx until the
// retry budget, the time allowed per request or the operation's deadline ran out. The message
// says how many attempts over how long and what the last answer was; code() is
// "retriesExhausted", status() the last HTTP status and requestId() the last request id.
class RetriesExhaustedError : public RequestFailedError {
public:
    static constexpr const char* kCode = "retriesExhausted";
    RetriesExhaustedError(const std::string& message, int lastStatus, std::string requestId, int attempts)
        : RequestFailedError(message, lastStatus, kCode, std::move(requestId)), m_attempts(attempts) {}
    int attempts() const noexcept { return m_attempts; }

private:
    int m_attempts;
};

class CancelledError : public Error {
public:
    CancelledError() : Error(ErrorKind::Cancelled, "The operation was cancelled.") {}
};

}  // namespace mfaphone
