using TensorGuard.Core.Formats.Gguf;
using TensorGuard.Core.Formats.Onnx;
using TensorGuard.Core.Formats.PyTorch;
using TensorGuard.Core.Formats.Safetensors;
using TensorGuard.Core.Formats.Tflite;

namespace TensorGuard.Core.Formats;

/// <summary>
/// Opens one weights file of any supported format, recognised by its content (GGUF magic, zip or pickle
/// header, safetensors header, TFLite's <c>TFL3</c> identifier) and, for ONNX, which has no magic, by its extension.
/// </summary>
public static class TensorFileFormats
{
    /// <summary>A weights file, opened: its tensors, format name, size and format-level metadata.</summary>
    public sealed record Opened(ITensorSource Source, string Format, IReadOnlyList<ModelFile> Files, IReadOnlyDictionary<string, string> Metadata);

    /// <exception cref="ModelFormatException">The file is missing, unreadable, malformed or of no supported format.</exception>
    public static Opened Open(string path)
    {
        switch (Sniff(path))
        {
            case FileKind.Gguf:
                GgufFile gguf = GgufFile.Open(path);
                return new(gguf, GgufFile.FormatName, [new(path, gguf.Length)], gguf.Metadata);
            case FileKind.PyTorch:
                PyTorchCheckpoint checkpoint = PyTorchCheckpoint.Open(path);
                return new(checkpoint, PyTorchCheckpoint.FormatName, [new(path, checkpoint.Length)], new Dictionary<string, string>());
            case FileKind.Onnx:
                OnnxModel onnx = OnnxModel.Open(path);
                return new(onnx, OnnxModel.FormatName, onnx.Files, onnx.Metadata);
            case FileKind.Tflite:
                TfliteModel tflite = TfliteModel.Open(path);
                return new(tflite, TfliteModel.FormatName, [new(path, tflite.Length)], new Dictionary<string, string>());
            default:
                SafetensorsFile safetensors = SafetensorsFile.Open(path);
                return new(safetensors, "safetensors", [new(path, safetensors.Length)], safetensors.Metadata);
        }
    }

    /// <summary>
    /// Opens a weights file on the Hub, recognised by its first bytes: safetensors (header at most
    /// <see cref="MaxRemoteHeaderLength"/> bytes, as <c>huggingface_hub</c> accepts) or GGUF. The result owns <paramref name="file"/>.
    /// </summary>
    /// <exception cref="ModelFormatException">The file is malformed, of another format, or cannot be read.</exception>
    public static Opened Open(Hub.RemoteFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        try
        {
            ReadOnlySpan<byte> head = file.Head;
            if (GgufFile.HasMagic(head))
            {
                GgufFile gguf = GgufFile.Open(file);
                return new(gguf, GgufFile.FormatName, [new(file.Path, file.Length, file.Sha256)], gguf.Metadata);
            }

            if (head.Length >= SafetensorsHeader.LengthPrefixSize
                && System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(head) is var headerLength
                && headerLength > MaxRemoteHeaderLength && headerLength <= (ulong)file.Length)
            {
                throw new ModelFormatException(file.Path, $"safetensors header of {headerLength} bytes exceeds the {MaxRemoteHeaderLength} read from the Hub; the file is corrupt or not a model");
            }

            if (!LooksLikeSafetensors(head) && !file.Path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelFormatException(file.Path, "is neither safetensors nor GGUF, the formats read from the Hub; download other formats and pass the folder");
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }

        SafetensorsFile safetensors = SafetensorsFile.Open(file);
        return new(safetensors, "safetensors", [new(file.Path, file.Length, file.Sha256)], safetensors.Metadata);
    }

    /// <summary>Largest safetensors header read from the Hub (<c>huggingface_hub</c>'s limit).</summary>
    public const long MaxRemoteHeaderLength = 25_000_000;

    private enum FileKind
    {
        Safetensors,
        Gguf,
        PyTorch,
        Onnx,
        Tflite,
    }

    private static FileKind Sniff(string path)
    {
        Span<byte> prefix = stackalloc byte[SafetensorsHeader.LengthPrefixSize + 1];
        int read = ReadPrefix(path, prefix);
        prefix = prefix[..read];
        if (LooksLikeSafetensors(prefix))
        {
            return FileKind.Safetensors;
        }

        if (GgufFile.HasMagic(prefix))
        {
            return FileKind.Gguf;
        }

        if (PyTorchCheckpoint.HasMagic(prefix))
        {
            return FileKind.PyTorch;
        }

        if (TfliteModel.HasMagic(prefix))
        {
            return FileKind.Tflite;
        }

        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".onnx" => FileKind.Onnx,
            ".safetensors" => FileKind.Safetensors,
            ".gguf" => FileKind.Gguf,
            ".bin" or ".pt" or ".pth" or ".ckpt" => FileKind.PyTorch,
            ".tflite" => FileKind.Tflite,
            _ => throw new ModelFormatException(path, "is not a recognised model file; expected safetensors, GGUF, ONNX, TFLite or a PyTorch checkpoint"),
        };
    }

    // An 8-byte little-endian header length within the reference limit, then the header's opening brace.
    private static bool LooksLikeSafetensors(ReadOnlySpan<byte> prefix) =>
        prefix.Length > SafetensorsHeader.LengthPrefixSize
        && System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(prefix) <= SafetensorsHeader.MaxHeaderLength
        && prefix[SafetensorsHeader.LengthPrefixSize] == (byte)'{';

    private static int ReadPrefix(string path, Span<byte> prefix)
    {
        try
        {
            // Only regular files are sniffed: opening a FIFO would block.
            var info = new FileInfo(path);
            if (!info.Exists || info.Length == 0 || info.Attributes.HasFlag(FileAttributes.Directory))
            {
                return 0;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            return stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        }
        catch (Exception error) when (FileErrors.IsFileSystemError(error))
        {
            return 0;
        }
    }
}
