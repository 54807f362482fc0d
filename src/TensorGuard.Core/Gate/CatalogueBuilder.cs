using System.Diagnostics;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Gate;

/// <summary>How a catalogue entry's build went.</summary>
public enum CatalogueBuildStatus
{
    /// <summary>The document was computed and written.</summary>
    Built,

    /// <summary>The document on disk already records this repository, family, license and resolved commit.</summary>
    UpToDate,

    /// <summary>The base could not be resolved, opened or fingerprinted; no document was written.</summary>
    Failed,
}

/// <summary>One entry's build.</summary>
/// <param name="ResolvedRevision">The commit the revision resolved to (null when resolving failed).</param>
/// <param name="BytesFetched">Bytes received for it (null when nothing was fetched or the source cannot count).</param>
/// <param name="Problem">Why it failed: one line saying what and how to fix.</param>
public sealed record CatalogueBuildOutcome(CatalogueEntry Entry, CatalogueBuildStatus Status, string? ResolvedRevision, long? BytesFetched, TimeSpan Elapsed, string? Problem = null);

/// <summary>
/// Builds catalogue documents (<see cref="CatalogueBaseDocument"/>): resolves each entry's revision, and fingerprints
/// the base (every method) unless its document already records that commit, so an interrupted build resumes where it
/// stopped and a scheduled rebuild only recomputes bases whose revision moved. Documents are written whole (through a
/// temporary file and a rename), so an interruption never leaves a partial one. A base that fails does not stop the
/// others.
/// </summary>
public sealed class CatalogueBuilder(ICatalogueSource source)
{
    /// <summary>Builds the entries of <paramref name="catalogue"/> (all, or those whose id is in <paramref name="only"/>) into <paramref name="outputDirectory"/>.</summary>
    /// <param name="jobs">Bases built at once; each gets an equal share of the cores.</param>
    /// <param name="progress">Receives each outcome as it is known.</param>
    /// <exception cref="InvalidInputException">An id in <paramref name="only"/> is not in the catalogue.</exception>
    public IReadOnlyList<CatalogueBuildOutcome> Build(BaseCatalogue catalogue, string outputDirectory, IReadOnlyCollection<string> only, int jobs, IProgress<CatalogueBuildOutcome>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(only);
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        IReadOnlyList<CatalogueEntry> entries = Select(catalogue, only);
        Directory.CreateDirectory(outputDirectory);
        int threadsEach = Math.Max(1, Environment.ProcessorCount / jobs);
        var outcomes = new CatalogueBuildOutcome[entries.Count];
        Parallel.For(0, entries.Count, new ParallelOptions { MaxDegreeOfParallelism = jobs }, i =>
        {
            outcomes[i] = BuildOne(entries[i], outputDirectory, threadsEach);
            progress?.Report(outcomes[i]);
        });
        return outcomes;
    }

    private static IReadOnlyList<CatalogueEntry> Select(BaseCatalogue catalogue, IReadOnlyCollection<string> only)
    {
        if (only.Count == 0)
        {
            return catalogue.Entries;
        }

        string[] unknown = only.Where(id => !catalogue.Entries.Any(e => string.Equals(e.Id, id, StringComparison.OrdinalIgnoreCase))).ToArray();
        if (unknown.Length > 0)
        {
            throw new InvalidInputException($"{catalogue.Path}: no entry has the id {string.Join(", ", unknown.Select(id => $"'{UntrustedText.Printable(id)}'"))}; ids: {string.Join(", ", catalogue.Entries.Select(e => e.Id))}");
        }

        return catalogue.Entries.Where(e => only.Contains(e.Id, StringComparer.OrdinalIgnoreCase)).ToArray();
    }

    private CatalogueBuildOutcome BuildOne(CatalogueEntry entry, string outputDirectory, int threads)
    {
        var clock = Stopwatch.StartNew();
        string path = Path.Combine(outputDirectory, entry.Id + ".json");
        string? commit = null;
        long? fetched = null;
        try
        {
            commit = source.Resolve(entry);
            if (IsCurrent(path, entry, commit))
            {
                return new CatalogueBuildOutcome(entry, CatalogueBuildStatus.UpToDate, commit, null, clock.Elapsed);
            }

            using OpenedBase opened = source.Open(entry, commit);
            FingerprintDocument fingerprint = ModelFingerprinter.Fingerprint(opened.Model, entry.Repo, new FingerprintRun(MaxParallelism: threads));
            fetched = opened.BytesFetched();
            var document = new CatalogueBaseDocument(entry.Id, entry.Repo, entry.Revision, commit, entry.Family, entry.License, entry.Gated, fingerprint);
            WriteWhole(path, document.ToJson());
            return new CatalogueBuildOutcome(entry, CatalogueBuildStatus.Built, commit, fetched, clock.Elapsed);
        }
        catch (Exception error) when (error is InvalidInputException or ModelFormatException or IOException or UnauthorizedAccessException or HttpRequestException)
        {
            return new CatalogueBuildOutcome(entry, CatalogueBuildStatus.Failed, commit, fetched, clock.Elapsed, error.Message);
        }
    }

    /// <summary>Whether the document at <paramref name="path"/> was built from this very entry at <paramref name="commit"/> with today's methods.</summary>
    private static bool IsCurrent(string path, CatalogueEntry entry, string commit)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            CatalogueBaseDocument existing = CatalogueBaseDocument.Read(path);
            return existing.Repo == entry.Repo && existing.ResolvedRevision == commit && existing.Family == entry.Family
                && existing.License == entry.License && existing.Gated == entry.Gated
                && existing.Fingerprint.Gradient is not null && existing.Fingerprint.Lineage is not null;
        }
        catch (InvalidInputException)
        {
            // A damaged or outdated document is rebuilt, never trusted.
            return false;
        }
    }

    private static void WriteWhole(string path, string text)
    {
        string temporary = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
