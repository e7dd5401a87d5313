using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// Runs a bulk cmdlet's items through one streaming engine operation: items are submitted
    /// from ProcessRecord as they arrive and events are drained as they come, so a pipeline of
    /// any length flows in bounded memory with no barriers. Everything is written on the pipeline
    /// thread: results and per-item errors in input order (input errors keep their place),
    /// engine log lines, progress. Ctrl+C (StopProcessing) cancels the operation.
    /// </summary>
    /// <typeparam name="TItem">What the engine takes per item (a user id, a sync input).</typeparam>
    internal sealed class BulkPipeline<TItem> : IDisposable
    {
        /// <summary>What a cmdlet's engine operation offers the pipeline.</summary>
        internal sealed class Engine
        {
            internal IEngineOperation Operation;
            /// <summary>Queues an item, waiting up to the given milliseconds; false when the input is still full.</summary>
            internal Func<TItem, int, bool> Submit;
            internal Action Close;
            /// <summary>The next event, waiting up to the given milliseconds; fills the family's result object alongside.</summary>
            internal Func<Event, int, bool> Next;
        }

        /// <summary>One input item's place in the output: what it produced, in order, and whether it is final.</summary>
        internal sealed class Slot
        {
            internal Slot(object target) { Target = target; }
            internal object Target { get; }
            internal List<object> Records { get; } = new List<object>(2);
            internal bool Done { get; set; }
            internal void Add(object output) => Records.Add(output);
            internal void Fail(Exception error) => Records.Add(EventPump.ToErrorRecord(error, Target));
        }

        private const int SubmitWaitMilliseconds = 50;
        private const int PollMilliseconds = 100;
        private const int EventsPerPump = 512;
        // Results waiting for an earlier, slower item are held here; past this many the pipeline
        // stops taking input until the head of the line is written (memory stays bounded).
        internal const int MaxPending = 4096;

        private readonly MfaCmdlet _cmdlet;
        private readonly Engine _engine;
        private readonly ProgressTracker _progress;
        private readonly Action<Event, Slot> _onResult;
        private readonly Action<Event, Slot> _onDecision;
        private readonly Event _event = new Event();
        private readonly Dictionary<long, Slot> _slots = new Dictionary<long, Slot>();
        private readonly Dictionary<long, long> _positionOfIndex = new Dictionary<long, long>();
        private long _nextPosition;
        private long _nextIndex;
        private long _nextWrite;
        private int _pendingPeak;
        private readonly bool _engineFed;
        private MfaPhoneException _terminating;
        private bool _closed;
        private bool _disposed;

        /// <param name="onResult">Turns a Result event (and the family's result object) into the slot's output; the slot is then done.</param>
        /// <param name="onDecision">Answers a Decision event (ShouldProcess); the slot stays open.</param>
        /// <param name="engineFed">The engine finds the items itself (a user list): events make their slots, in the engine's order.</param>
        internal BulkPipeline(MfaCmdlet cmdlet, Engine engine, ProgressTracker progress, Action<Event, Slot> onResult,
                              Action<Event, Slot> onDecision = null, bool engineFed = false)
        {
            _cmdlet = cmdlet;
            _engine = engine;
            _progress = progress;
            _onResult = onResult;
            _onDecision = onDecision;
            _engineFed = engineFed;
            _cmdlet.Track(engine.Operation);
        }

        /// <summary>Items added so far (valid ones and input errors).</summary>
        internal long Count => _nextPosition;

        /// <summary>
        /// Submits an item at the next position. While the engine's input is full, drains events
        /// (and writes what is ready) until it takes the item.
        /// </summary>
        internal void Add(TItem item, object target)
        {
            ThrowIfEnded();
            long position = _nextPosition++;
            var slot = new Slot(target);
            _slots[position] = slot;
            _pendingPeak = Math.Max(_pendingPeak, _slots.Count);
            for (;;)
            {
                Pump(0);
                ThrowIfEnded();
                if (_slots.Count > MaxPending)
                {
                    Pump(PollMilliseconds);
                    continue;
                }
                bool accepted;
                try
                {
                    accepted = _engine.Submit(item, SubmitWaitMilliseconds);
                }
                catch (MfaPhoneCancelledException)
                {
                    // Ctrl+C or the engine stopped: its terminating error tells which.
                    Finish();
                    return;
                }
                catch (MfaPhoneException e)
                {
                    // The engine refused this item (an input error): it keeps its place.
                    slot.Fail(e);
                    MarkDone(slot);
                    break;
                }
                if (accepted)
                {
                    _positionOfIndex[_nextIndex++] = position;
                    break;
                }
            }
            Pump(0);
        }

        /// <summary>An item that is wrong before it reaches the engine: its error keeps its place in the output.</summary>
        internal void AddError(ErrorRecord error)
        {
            ThrowIfEnded();
            long position = _nextPosition++;
            var slot = new Slot(error.TargetObject);
            slot.Add(error);
            _slots[position] = slot;
            MarkDone(slot);
            Pump(0);
        }

        /// <summary>Closes the input and writes everything that is left; throws a terminating error of the run.</summary>
        internal void Complete()
        {
            ThrowIfEnded();
            Finish();
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _cmdlet.Untrack(_engine.Operation);
            _event.Dispose();
            _engine.Operation.Dispose();
        }

        private void Finish()
        {
            if (!_closed)
            {
                _closed = true;
                try
                {
                    _engine.Close();
                }
                catch (MfaPhoneException)
                {
                    // Already cancelled: the operation's events say why.
                }
            }
            while (!_engine.Operation.Finished()) Pump(PollMilliseconds);
            Pump(0);
            // Every item ends with an outcome, even one the engine never answered (a defect).
            if (_terminating == null)
            {
                foreach (var slot in _slots.Values)
                {
                    if (slot.Done) continue;
                    slot.Fail(new MfaPhoneException("The engine ended without an outcome for this item.", ErrorIds.InternalError));
                    MarkDone(slot);
                }
            }
            Flush();
            _progress.Complete();
            WriteStats();
            _cmdlet.Untrack(_engine.Operation);
            ThrowIfEnded();
        }

        /// <summary>Once the run has a terminating error: writes what finished, then ends the call with it.</summary>
        private void ThrowIfEnded()
        {
            if (_terminating == null) return;
            if (!_engine.Operation.Finished())
            {
                while (!_engine.Operation.Finished()) Pump(PollMilliseconds);
                Pump(0);
            }
            Flush();
            try
            {
                _progress.Complete();
            }
            catch (PipelineStoppedException)
            {
                // The pipeline no longer takes records; the original error is what matters.
            }
            if (_terminating is MfaPhoneCancelledException && _cmdlet.Stopping) throw new PipelineStoppedException();
            _cmdlet.Fail(_terminating);
        }

        /// <summary>Handles the events that are ready (waiting up to timeoutMs for the first) and writes what is in order.</summary>
        private void Pump(int timeoutMs)
        {
            bool got = _engine.Next(_event, timeoutMs);
            for (int n = 0; got; n++)
            {
                Handle(_event);
                if (n >= EventsPerPump) break;
                got = _engine.Next(_event, 0);
            }
            Flush();
        }

        private void Handle(Event ev)
        {
            switch (ev.Kind)
            {
                case EventKind.Log:
                    EventPump.WriteLog(_cmdlet, ev);
                    break;
                case EventKind.Result:
                {
                    Slot slot = SlotOf(ev);
                    if (slot == null) break;
                    _onResult(ev, slot);
                    MarkDone(slot);
                    _positionOfIndex.Remove(ev.Index);
                    break;
                }
                case EventKind.Decision:
                    // Always answered: the engine holds the item until it is.
                    _onDecision?.Invoke(ev, SlotOf(ev));
                    break;
                case EventKind.Error:
                {
                    var error = NativeErrors.Create(ev.ErrorKind, ev.Message, ev.HttpStatus, ev.ErrorCode, ev.RequestId);
                    if (ev.Terminating)
                    {
                        _terminating ??= error;
                        break;
                    }
                    Slot slot = SlotOf(ev);
                    if (slot == null)
                    {
                        _cmdlet.WriteError(EventPump.ToErrorRecord(error, ev.Target));
                        break;
                    }
                    slot.Fail(error);
                    MarkDone(slot);
                    _positionOfIndex.Remove(ev.Index);
                    break;
                }
            }
        }

        private Slot SlotOf(Event ev)
        {
            long index = ev.Index;
            if (index < 0) return null;
            if (_engineFed)
            {
                // The engine's index is the position; its first event about an item makes the slot.
                if (index < _nextWrite) return null;
                if (!_slots.TryGetValue(index, out Slot made))
                {
                    made = new Slot(ev.Target);
                    _slots[index] = made;
                    _nextPosition = Math.Max(_nextPosition, index + 1);
                    _pendingPeak = Math.Max(_pendingPeak, _slots.Count);
                }
                return made;
            }
            if (!_positionOfIndex.TryGetValue(index, out long position)) return null;
            return _slots.TryGetValue(position, out Slot slot) ? slot : null;
        }

        private void MarkDone(Slot slot)
        {
            if (slot.Done) return;
            slot.Done = true;
            _progress.Advance();
        }

        /// <summary>Writes finished items in input order, up to the first unfinished one.</summary>
        private void Flush()
        {
            while (_slots.TryGetValue(_nextWrite, out Slot slot) && slot.Done)
            {
                foreach (object record in slot.Records)
                {
                    if (record is ErrorRecord error) _cmdlet.WriteError(error);
                    else _cmdlet.WriteObject(record);
                }
                _slots.Remove(_nextWrite);
                _nextWrite++;
            }
        }

        private void WriteStats()
        {
            using (OperationStats s = _engine.Operation.Stats())
            {
                _cmdlet.WriteDebug(string.Format(CultureInfo.InvariantCulture,
                    "bulk: {0} items; engine held at most {1} (limit {2}); input queue peak {3} of {4}; " +
                    "events waiting at most {5}; results waiting for input order at most {6}; " +
                    "{7} requests ({8} in batches), {9} throttled, {10} sent again",
                    _nextPosition, s.HeldPeak, s.HeldLimit, s.InputPeak, s.InputCapacity, s.EventPeak, _pendingPeak,
                    s.Requests, s.BatchItems, s.Throttled, s.Retried));
            }
        }
    }
}
