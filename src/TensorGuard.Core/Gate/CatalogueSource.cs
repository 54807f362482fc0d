using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Hub;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Gate;

/// <summary>Where <see cref="CatalogueBuilder"/> gets a catalogue base's weights: the one seam between a catalogue entry and an opened model.</summary>
public interface ICatalogueSource
{
    /// <summary>The commit <paramref name="entry"/>'s revision stands for now (a SHA stays itself).</summary>
    /// <exception cref="InvalidInputException">The repository or revision does not exist, or is gated without access.</exception>
    /// <exception cref="ModelFormatException">The Hub cannot be reached or refuses the revision (a <see cref="Formats.Hub.HubException"/>).</exception>
    string Resolve(CatalogueEntry entry);

    /// <summary>Opens <paramref name="entry"/>'s model at <paramref name="commit"/>.</summary>
    /// <exception cref="ModelFormatException">The model cannot be read.</exception>
    /// <exception cref="InvalidInputException">The repository or revision does not exist, or is gated without access.</exception>
    OpenedBase Open(CatalogueEntry entry, string commit);
}

/// <summary>A catalogue base opened for fingerprinting.</summary>
/// <param name="Model">Its weights.</param>
/// <param name="BytesFetched">Bytes received so far while reading it (null where the source cannot count them).</param>
/// <param name="Connection">What the model reads through, disposed after it (null: nothing of its own).</param>
public sealed record OpenedBase(LoadedModel Model, Func<long?> BytesFetched, IDisposable? Connection = null) : IDisposable
{
    public void Dispose()
    {
        Model.Dispose();
        Connection?.Dispose();
    }
}

/// <summary>
/// Opens catalogue bases from the Hugging Face Hub through <paramref name="hub"/>, as the model loader opens
/// <c>hf://REPO@COMMIT</c> references; this is what the CLI and the catalogue workflow use.
/// </summary>
public sealed class ModelReferenceSource(HubClient hub) : ICatalogueSource
{
    /// <inheritdoc />
    public string Resolve(CatalogueEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return HubRepository.Open(hub, Reference(entry, entry.Revision)).Commit;
    }

    /// <inheritdoc />
    public OpenedBase Open(CatalogueEntry entry, string commit)
    {
        ArgumentNullException.ThrowIfNull(entry);

        // A client of its own per base, so that its byte count is this base's alone when bases are built in parallel.
        var client = new HubClient(hub.Options);
        try
        {
            return new OpenedBase(ModelLoader.Open(Reference(entry, commit).ToString(), baseModel: null, client), () => client.BytesReceived, client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static HubReference Reference(CatalogueEntry entry, string revision) => HubReference.Parse($"hf://{entry.Repo}@{revision}");
}
