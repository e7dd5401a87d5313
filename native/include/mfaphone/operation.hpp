// Operation: a running piece of engine work. The caller pulls its events until nextEvent returns
// false and finished() is true. Streaming operations (methods.hpp, sync.hpp) have the same
// members plus an input side (submit items, then close) and a result type of their own.
#pragma once

#include <memory>

#include "mfaphone/events.hpp"

namespace mfaphone {

// What an operation has done so far, and how much it held at most (memory stays bounded by
// the limits: input capacity and held items, whatever the number of items).
struct OperationStats {
    long long submitted = 0;   // input items accepted
    long long completed = 0;   // items whose final event was read
    long long requests = 0;    // HTTP requests sent ($batch envelopes count one each)
    long long batchItems = 0;  // requests carried inside $batch envelopes
    long long throttled = 0;   // 429 answers (whole requests and $batch items)
    long long retried = 0;     // requests sent again (throttling, transient failures)
    int inputCapacity = 0;     // items the input queue holds before submit waits
    int inputPeak = 0;         // most items waiting in the input queue at once
    int heldLimit = 0;         // items the engine admits into work at once
    int heldPeak = 0;          // most items in work (or with an unread final event) at once
    int eventPeak = 0;         // most events waiting to be read at once
};

class OperationState;

class Operation {
public:
    explicit Operation(std::shared_ptr<OperationState> state);
    // Destroying an operation cancels work still in progress.
    ~Operation();
    Operation(const Operation&) = delete;
    Operation& operator=(const Operation&) = delete;

    // Waits up to timeoutMs for the next event. Returns true and fills `event` when one is
    // available; returns false with event.kind == None when the wait timed out, or when the
    // operation finished and every event has been read (then finished() is true).
    bool nextEvent(Event& event, int timeoutMs);
    bool finished() const;
    // Requests cancellation; the engine stops promptly.
    void cancel();
    OperationStats stats() const;

private:
    std::shared_ptr<OperationState> m_state;
};

}  // namespace mfaphone
