namespace TensorGuard.Core.Policy;

/// <summary>
/// Gathers the problems of one policy load so that a user fixing a policy sees all of them at once, not one per
/// run. Readers call <see cref="Report"/> for a problem they can step over (an unknown key, a mistyped license id,
/// an impossible date: the value is left out and reading goes on) and throw for one they cannot (broken YAML, a
/// missing section). The collection is ambient (an <see cref="AsyncLocal{T}"/> set by <see cref="Collect{T}"/>)
/// because every section reader would otherwise need one more parameter for what is only a reporting concern;
/// outside a collection, <see cref="Report"/> throws at once.
/// </summary>
internal sealed class PolicyProblems
{
    private static readonly AsyncLocal<PolicyProblems?> Current = new();

    private readonly List<PolicyException> _problems = [];

    /// <summary>Runs <paramref name="read"/>; throws one <see cref="PolicyException"/> listing every problem reported or thrown.</summary>
    public static T Collect<T>(Func<T> read)
    {
        PolicyProblems? outer = Current.Value;
        var problems = new PolicyProblems();
        Current.Value = problems;
        try
        {
            T result = read();
            if (problems._problems.Count > 0)
            {
                throw problems.Combined();
            }

            return result;
        }
        catch (PolicyException fatal) when (problems._problems.Count > 0 && !problems._problems.Contains(fatal) && fatal.Problems.Count == 1)
        {
            problems._problems.Add(fatal);
            throw problems.Combined();
        }
        finally
        {
            Current.Value = outer;
        }
    }

    /// <summary>Records <paramref name="problem"/> and lets reading go on; throws it when no collection is running.</summary>
    public static void Report(PolicyException problem)
    {
        if (Current.Value is not { } problems)
        {
            throw problem;
        }

        problems._problems.Add(problem);
    }

    private PolicyException Combined() => _problems.Count == 1
        ? _problems[0]
        : new PolicyException(_problems
            .DistinctBy(p => p.Message)
            .OrderBy(p => p.File, StringComparer.Ordinal)
            .ThenBy(p => p.Position.Line)
            .ThenBy(p => p.Position.Column)
            .ToArray());
}
