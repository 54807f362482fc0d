using System.Text.Json;
using TensorGuard.Core.Policy;

namespace TensorGuard.GitHub;

/// <summary>
/// The GitHub Actions matrix that builds a catalogue, one job per base. A matrix makes at most
/// <see cref="MaxJobs"/> jobs, so a larger catalogue is split into that many chunks of consecutive bases, each job
/// building its chunk: <c>{"include":[{"name":…,"ids":"id1 id2"}]}</c>, for <c>catalogue build --only ${{ matrix.ids }}</c>.
/// </summary>
public static class CatalogueMatrix
{
    /// <summary>GitHub's limit on the jobs one matrix makes.</summary>
    public const int MaxJobs = 256;

    /// <summary>The jobs: each with a name for the job list and artifact, and the space-separated ids it builds.</summary>
    public static IReadOnlyList<MatrixJob> Jobs(BaseCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        IReadOnlyList<CatalogueEntry> entries = catalogue.Entries;
        if (entries.Count <= MaxJobs)
        {
            return entries.Select(entry => new MatrixJob(entry.Id, entry.Id)).ToArray();
        }

        // Consecutive, near-equal chunks: the first (count % MaxJobs) chunks hold one base more.
        int size = entries.Count / MaxJobs;
        int larger = entries.Count % MaxJobs;
        var jobs = new List<MatrixJob>(MaxJobs);
        int start = 0;
        for (int chunk = 0; chunk < MaxJobs; chunk++)
        {
            int count = size + (chunk < larger ? 1 : 0);
            CatalogueEntry[] members = entries.Skip(start).Take(count).ToArray();
            jobs.Add(new MatrixJob($"chunk-{chunk + 1:000}-{members[0].Id}", string.Join(' ', members.Select(e => e.Id))));
            start += count;
        }

        return jobs;
    }

    /// <summary>The matrix as one line of JSON, for <c>fromJSON</c> in a workflow.</summary>
    public static string ToJson(BaseCatalogue catalogue) =>
        JsonSerializer.Serialize(new { include = Jobs(catalogue).Select(job => new { name = job.Name, ids = job.Ids }) });
}

/// <summary>One matrix job.</summary>
/// <param name="Name">Job and artifact name.</param>
/// <param name="Ids">The catalogue ids it builds, separated by spaces.</param>
public sealed record MatrixJob(string Name, string Ids);
