using TensorGuard.Testing;

namespace TensorGuard.Hub.Fake;

/// <summary>
/// A clock whose timers fire at once and remember how long they were asked to wait, so retry tests check the backoff
/// and the server-requested delays without sleeping (see <see cref="RecordingClock"/>).
/// </summary>
public sealed class InstantClock : RecordingClock;
