using System.Runtime.ExceptionServices;

namespace TensorGuard.Core.Fingerprints;

/// <summary>Runs parallel loops so that a worker's own exception (e.g. unreadable data) is what the caller sees, not the parallel wrapper.</summary>
internal static class ParallelWork
{
    /// <summary>Runs <paramref name="loop"/> (a <c>Parallel.For</c>), rethrowing the first worker exception as itself.</summary>
    public static void Run(Action loop)
    {
        try
        {
            loop();
        }
        catch (AggregateException error) when (error.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(error.InnerExceptions[0]).Throw();
        }
    }
}
