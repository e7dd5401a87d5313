/* Webhook checking (mfaphone/webhook.hpp): its part of the allow-list. Included from mfaphone.i
 * after %ignoreall, so every name reaching C# is listed here. Vector members cross as copies. */
%{
#include "mfaphone/webhook.hpp"
%}

%unignore mfaphone::WebhookStatus;
%unignore mfaphone::WebhookStatus::Accepted;
%unignore mfaphone::WebhookStatus::DataInvalid;
%unignore mfaphone::WebhookStatus::HandshakeMissing;
%unignore mfaphone::WebhookStatus::HandshakeMismatch;
%unignore mfaphone::WebhookStatus::BodyEmpty;
%unignore mfaphone::WebhookStatus::BodyTooLarge;
%unignore mfaphone::WebhookStatus::BodyInvalid;

%unignore mfaphone::WebhookOptions;
%unignore mfaphone::WebhookOptions::WebhookOptions;
%unignore mfaphone::WebhookOptions::~WebhookOptions;
%rename(HandshakeHeader) mfaphone::WebhookOptions::handshakeHeader;
%rename(MaxBodyBytes) mfaphone::WebhookOptions::maxBodyBytes;
%rename(MaxUsers) mfaphone::WebhookOptions::maxUsers;

%unignore mfaphone::WebhookEntryError;
%unignore mfaphone::WebhookEntryError::WebhookEntryError;
%unignore mfaphone::WebhookEntryError::~WebhookEntryError;
%rename(Index) mfaphone::WebhookEntryError::index;
%rename(Message) mfaphone::WebhookEntryError::message;

%unignore mfaphone::WebhookResult;
%unignore mfaphone::WebhookResult::WebhookResult;
%unignore mfaphone::WebhookResult::~WebhookResult;
%rename(Status) mfaphone::WebhookResult::status;
%rename(Message) mfaphone::WebhookResult::message;
%rename(WebhookName) mfaphone::WebhookResult::webhookName;
%rename(Shape) mfaphone::WebhookResult::shape;
%rename(EntryCount) mfaphone::WebhookResult::entryCount;
%rename(DuplicateCount) mfaphone::WebhookResult::duplicateCount;
%ignore mfaphone::WebhookResult::users;
%ignore mfaphone::WebhookResult::entryErrors;
%rename(Users) mfaphone::WebhookResult::usersCopy;
%rename(EntryErrorCount) mfaphone::WebhookResult::entryErrorCount;
%rename(EntryError) mfaphone::WebhookResult::entryErrorAt;
%extend mfaphone::WebhookResult {
    std::vector<std::string> usersCopy() const { return $self->users; }
    int entryErrorCount() const { return static_cast<int>($self->entryErrors.size()); }
    mfaphone::WebhookEntryError entryErrorAt(int i) const { return $self->entryErrors.at(static_cast<std::size_t>(i)); }
}

%unignore mfaphone::WebhookRequest;
%unignore mfaphone::WebhookRequest::WebhookRequest;
%unignore mfaphone::WebhookRequest::~WebhookRequest;
%rename(SetText) mfaphone::WebhookRequest::setText;
%rename(SetWebhookName) mfaphone::WebhookRequest::setWebhookName;
%rename(AddHeader) mfaphone::WebhookRequest::addHeader;
%rename(SetBody) mfaphone::WebhookRequest::setBody;

%rename(CheckWebhook) mfaphone::checkWebhook;

%include "mfaphone/webhook.hpp"
