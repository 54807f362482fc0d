namespace TensorGuard.Testing;

/// <summary>
/// A clock whose timers fire at once and remember how long they were asked to wait, so retry tests check the backoff
/// and the server-requested delays without sleeping; its time stands still at <paramref name="now"/> when one is given.
/// </summary>
public class RecordingClock(DateTimeOffset? now = null) : TimeProvider
{
    private readonly List<TimeSpan> _delays = [];
    private readonly Lock _lock = new();

    /// <summary>Every wait asked for, in order.</summary>
    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_lock)
            {
                return _delays.ToArray();
            }
        }
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => now ?? base.GetUtcNow();

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (dueTime != Timeout.InfiniteTimeSpan && dueTime > TimeSpan.Zero)
        {
            lock (_lock)
            {
                _delays.Add(dueTime);
            }

            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }

        return new NeverTimer();
    }

    private sealed class NeverTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
