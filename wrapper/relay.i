/* The relay facade's SWIG surface (included from mfaphone.i inside its allow-list). Vector
 * members cross as copies through accessor functions, never as views into a struct. */

%unignore mfaphone::RelaySink;
%unignore mfaphone::RelaySink::RelaySink;
%unignore mfaphone::RelaySink::~RelaySink;
%rename(Name) mfaphone::RelaySink::name;
%rename(Kind) mfaphone::RelaySink::kind;
%rename(Url) mfaphone::RelaySink::url;

%unignore mfaphone::RelayRoute;
%unignore mfaphone::RelayRoute::RelayRoute;
%unignore mfaphone::RelayRoute::~RelayRoute;
%rename(Tenant) mfaphone::RelayRoute::tenant;
%rename(To) mfaphone::RelayRoute::to;
%rename(AccountSid) mfaphone::RelayRoute::accountSid;
%rename(Redact) mfaphone::RelayRoute::redact;
%ignore mfaphone::RelayRoute::sinks;
%rename(AddSink) mfaphone::RelayRoute::addSink;
%rename(SinkCount) mfaphone::RelayRoute::sinkCount;
%extend mfaphone::RelayRoute {
    void addSink(const mfaphone::RelaySink& sink) { $self->sinks.push_back(sink); }
    int sinkCount() const { return static_cast<int>($self->sinks.size()); }
}

%unignore mfaphone::RelayOptions;
%unignore mfaphone::RelayOptions::RelayOptions;
%unignore mfaphone::RelayOptions::~RelayOptions;
%rename(MaxBodyBytes) mfaphone::RelayOptions::maxBodyBytes;
%rename(MaxParameters) mfaphone::RelayOptions::maxParameters;
%rename(MaxUrlBytes) mfaphone::RelayOptions::maxUrlBytes;
%rename(DedupeTtlSeconds) mfaphone::RelayOptions::dedupeTtlSeconds;
%rename(DedupeFile) mfaphone::RelayOptions::dedupeFile;
%rename(DeliveryTimeoutSeconds) mfaphone::RelayOptions::deliveryTimeoutSeconds;
%rename(MaxDeliveryRetries) mfaphone::RelayOptions::maxDeliveryRetries;
%rename(RetryBaseDelayMs) mfaphone::RelayOptions::retryBaseDelayMs;
%rename(TeamsMaxBytes) mfaphone::RelayOptions::teamsMaxBytes;
%rename(SlackMaxBytes) mfaphone::RelayOptions::slackMaxBytes;
%rename(TwilioApiBase) mfaphone::RelayOptions::twilioApiBase;
%rename(CaBundle) mfaphone::RelayOptions::caBundle;
%rename(RequestTimeoutSeconds) mfaphone::RelayOptions::requestTimeoutSeconds;

%unignore mfaphone::RelayRequest;
%unignore mfaphone::RelayRequest::RelayRequest;
%unignore mfaphone::RelayRequest::~RelayRequest;
%rename(Method) mfaphone::RelayRequest::method;
%rename(Url) mfaphone::RelayRequest::url;
%rename(ContentType) mfaphone::RelayRequest::contentType;
%rename(Body) mfaphone::RelayRequest::body;
%rename(Signature) mfaphone::RelayRequest::signature;
%rename(IdempotencyToken) mfaphone::RelayRequest::idempotencyToken;

%unignore mfaphone::RelaySinkResult;
%unignore mfaphone::RelaySinkResult::RelaySinkResult;
%unignore mfaphone::RelaySinkResult::~RelaySinkResult;
%rename(Name) mfaphone::RelaySinkResult::name;
%rename(Kind) mfaphone::RelaySinkResult::kind;
%rename(Delivered) mfaphone::RelaySinkResult::delivered;
%rename(HttpStatus) mfaphone::RelaySinkResult::httpStatus;
%rename(Attempts) mfaphone::RelaySinkResult::attempts;
%rename(Error) mfaphone::RelaySinkResult::error;
%rename(WaitMs) mfaphone::RelaySinkResult::waitMs;

%unignore mfaphone::RelayResult;
%unignore mfaphone::RelayResult::RelayResult;
%unignore mfaphone::RelayResult::~RelayResult;
%rename(Status) mfaphone::RelayResult::status;
%rename(HttpStatus) mfaphone::RelayResult::httpStatus;
%rename(ContentType) mfaphone::RelayResult::contentType;
%rename(ResponseBody) mfaphone::RelayResult::responseBody;
%rename(Reason) mfaphone::RelayResult::reason;
%rename(Message) mfaphone::RelayResult::message;
%rename(Tenant) mfaphone::RelayResult::tenant;
%rename(AccountSid) mfaphone::RelayResult::accountSid;
%rename(MessageSid) mfaphone::RelayResult::messageSid;
%rename(From) mfaphone::RelayResult::from;
%rename(To) mfaphone::RelayResult::to;
%rename(ReceivedAt) mfaphone::RelayResult::receivedAt;
%rename(Code) mfaphone::RelayResult::code;
%rename(CodeRule) mfaphone::RelayResult::codeRule;
%rename(BodyLength) mfaphone::RelayResult::bodyLength;
%rename(RedactionRequested) mfaphone::RelayResult::redactionRequested;
%rename(Redacted) mfaphone::RelayResult::redacted;
%rename(RedactionError) mfaphone::RelayResult::redactionError;
%rename(RedactionWaitMs) mfaphone::RelayResult::redactionWaitMs;
%rename(ElapsedMs) mfaphone::RelayResult::elapsedMs;
%rename(OverheadMs) mfaphone::RelayResult::overheadMs;
%ignore mfaphone::RelayResult::sinks;
%ignore mfaphone::RelayResult::log;
%rename(SinkCount) mfaphone::RelayResult::sinkCount;
%rename(SinkAt) mfaphone::RelayResult::sinkAt;
%rename(Log) mfaphone::RelayResult::logCopy;
%extend mfaphone::RelayResult {
    int sinkCount() const { return static_cast<int>($self->sinks.size()); }
    mfaphone::RelaySinkResult sinkAt(int index) const {
        if (index < 0 || static_cast<std::size_t>(index) >= $self->sinks.size())
            throw mfaphone::InvalidInputError("No sink result at that index.");
        return $self->sinks[static_cast<std::size_t>(index)];
    }
    std::vector<std::string> logCopy() const { return $self->log; }
}

%unignore mfaphone::Relay;
%unignore mfaphone::Relay::Relay;
%unignore mfaphone::Relay::~Relay;
%rename(AddAccount) mfaphone::Relay::addAccount;
%rename(SetApiKey) mfaphone::Relay::setApiKey;
%rename(AddRoute) mfaphone::Relay::addRoute;
%rename(AddRoutesJson) mfaphone::Relay::addRoutesJson;
%rename(Receive) mfaphone::Relay::receive;
%rename(Cancel) mfaphone::Relay::cancel;
%rename(ValidateSignature) mfaphone::Relay::validateSignature;
%rename(MaskCode) mfaphone::Relay::maskCode;
%rename(Twiml) mfaphone::Relay::twiml;

%include "mfaphone/relay.hpp"
