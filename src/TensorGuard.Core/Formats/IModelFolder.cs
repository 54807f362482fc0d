namespace TensorGuard.Core.Formats;

/// <summary>
/// The folder a model file lies in, where the data files it names beside itself (ONNX external data) are found: a
/// local folder (<see cref="LocalModelFolder"/>) or a folder of a Hub repository (<see cref="Hub.HubModelFolder"/>).
/// Either refuses a name that leaves the folder, so a hostile model cannot make us read other files.
/// </summary>
public interface IModelFolder
{
    /// <summary>The file <paramref name="name"/> denotes, as one key for all names of the same file (a full path, a repository path).</summary>
    /// <param name="name">The name as the model gives it.</param>
    /// <param name="owner">What names it (e.g. an initializer), for messages.</param>
    /// <exception cref="ModelFormatException">The name is not a relative path inside the folder, or no such file exists.</exception>
    string Resolve(string name, string owner);

    /// <summary>Opens the file <see cref="Resolve"/> returned.</summary>
    /// <exception cref="ModelFormatException">The file cannot be read.</exception>
    IByteSource Open(string resolved);
}

/// <summary>The local folder of the model file at <paramref name="modelPath"/>; names are checked by <see cref="ExternalDataPath"/>.</summary>
public sealed class LocalModelFolder(string modelPath) : IModelFolder
{
    private readonly string _directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(modelPath))!;

    /// <inheritdoc />
    public string Resolve(string name, string owner) => ExternalDataPath.Resolve(modelPath, _directory, name, owner);

    /// <inheritdoc />
    public IByteSource Open(string resolved) => MappedFile.Open(resolved, 0, "data file");
}
