using System;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;

namespace MfaPhone.Commands
{
    /// <summary>
    /// Progress of one cmdlet call over all its items: a cumulative count, and percent and time
    /// remaining when the total is known; the rate and the requests Graph throttled so far as the
    /// current operation. Records are throttled (at most one per <see cref="MinimumInterval"/>);
    /// <see cref="Complete"/> writes the final Completed record. Pipeline thread only.
    /// </summary>
    internal sealed class ProgressTracker
    {
        internal static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(200);

        private readonly PSCmdlet _cmdlet;
        private readonly int _activityId;
        private readonly string _activity;
        private readonly string _unit;
        private long _total;  // 0 when unknown (input streams from the pipeline)
        private readonly Func<long> _totalSource;
        private readonly Func<long> _throttled;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _lastWrite;
        private bool _shown;
        private bool _completed;

        /// <param name="unit">What an item is, plural ("users").</param>
        /// <param name="total">How many items the call has, or null when they stream in.</param>
        /// <param name="throttled">Requests answered 429 so far (read only when a record is written).</param>
        /// <param name="totalSource">Where the total comes from once the engine learns it (a listed user count; not positive while unknown).</param>
        internal ProgressTracker(PSCmdlet cmdlet, int activityId, string activity, string unit, long? total,
                                 Func<long> throttled = null, Func<long> totalSource = null)
        {
            _throttled = throttled;
            _totalSource = totalSource;
            _cmdlet = cmdlet;
            _activityId = activityId;
            _activity = activity;
            _unit = unit;
            _total = total.HasValue && total.Value > 0 ? total.Value : 0;
        }

        /// <summary>Items finished so far.</summary>
        internal long Done { get; private set; }

        /// <summary>Counts finished items and writes a record unless one was written less than 200 ms ago.</summary>
        internal void Advance(long count = 1)
        {
            if (_completed || count <= 0) return;
            Done += count;
            TimeSpan now = _clock.Elapsed;
            if (_shown && now - _lastWrite < MinimumInterval) return;
            _lastWrite = now;
            _shown = true;
            _cmdlet.WriteProgress(Record(now));
        }

        /// <summary>Writes the Completed record (with the final count) if any progress was shown.</summary>
        internal void Complete()
        {
            if (_completed) return;
            _completed = true;
            if (!_shown) return;
            ProgressRecord record = Record(_clock.Elapsed);
            record.RecordType = ProgressRecordType.Completed;
            record.PercentComplete = 100;
            record.SecondsRemaining = 0;
            _cmdlet.WriteProgress(record);
        }

        private ProgressRecord Record(TimeSpan elapsed)
        {
            if (_total <= 0 && _totalSource != null) _total = Math.Max(0, _totalSource());
            string status = _total > 0
                ? string.Format(CultureInfo.InvariantCulture, "{0} of {1} {2}", Done, _total, _unit)
                : string.Format(CultureInfo.InvariantCulture, "{0} {1}", Done, _unit);
            var record = new ProgressRecord(_activityId, _activity, status);
            double seconds = elapsed.TotalSeconds;
            string rate = seconds > 0
                ? string.Format(CultureInfo.InvariantCulture, "{0:0.#} {1}/s", Done / seconds, _unit)
                : "";
            long throttled = _throttled?.Invoke() ?? 0;
            record.CurrentOperation = throttled > 0
                ? string.Format(CultureInfo.InvariantCulture, "{0}; {1} requests throttled (429)", rate, throttled)
                : rate;
            if (_total > 0)
            {
                long done = Math.Min(Done, _total);
                record.PercentComplete = (int)(done * 100 / _total);
                if (done > 0)
                {
                    double remaining = elapsed.TotalSeconds / done * (_total - done);
                    record.SecondsRemaining = (int)Math.Min(int.MaxValue, Math.Ceiling(remaining));
                }
            }
            return record;
        }
    }
}
