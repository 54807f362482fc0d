using TensorGuard.Core.Formats.Gguf;
using TensorGuard.Core.Formats.Onnx;
using TensorGuard.Core.Formats.PyTorch;
using TensorGuard.Core.Formats.Safetensors;
using TensorGuard.Core.Formats.Tflite;

namespace TensorGuard.Core.Formats;

/// <summary>
/// Opens one weights file of any supported format, local or on the Hub, recognised by its content (GGUF magic, zip or
/// pickle header, safetensors header, TFLite's <c>TFL3</c> identifier) and, for ONNX, which has no magic, by its extension.
/// </summary>
public static class TensorFileFormats
{
    /// <summary>A weights file, opened: its tensors, format name, size and format-level metadata.</summary>
    public sealed record Opened(ITensorSource Source, string Format, IReadOnlyList<ModelFile> Files, IReadOnlyDictionary<string, string> Metadata);

    /// <exception cref="ModelFormatException">The file is missing, unreadable, malformed or of no supported format.</exception>
    public static Opened Open(string path)
    {
        FileKind kind = Sniff(path);
        (long minimumLength, string formatName) = kind switch
        {
            FileKind.Gguf => ((long)GgufHeader.FixedHeaderSize, "GGUF"),
            FileKind.PyTorch => (PyTorchCheckpoint.MinFileLength, "PyTorch checkpoint"),
            FileKind.Onnx => (OnnxModel.MinFileLength, "ONNX"),
            FileKind.Tflite => (TfliteModel.MinFileLength, "TFLite"),
            _ => (SafetensorsHeader.MinFileLength, "safetensors"),
        };
        return Open(kind, MappedFile.Open(path, minimumLength, formatName), new LocalModelFolder(path));
    }

    /// <summary>
    /// Opens a weights file on the Hub, recognised as a local file is (by its first bytes, then its extension), with
    /// the Hub's own bounds: a safetensors header of at most <see cref="MaxRemoteHeaderLength"/> bytes (as
    /// <c>huggingface_hub</c> accepts) and a legacy (pre-zip) PyTorch pickle of at most
    /// <see cref="MaxRemoteLegacyCheckpoint"/> bytes, since that format can only be read from its start to its end.
    /// ONNX external data is found in <paramref name="folder"/>. The result owns <paramref name="file"/>.
    /// </summary>
    /// <exception cref="ModelFormatException">The file is malformed, of no supported format, or cannot be read.</exception>
    public static Opened Open(Hub.RemoteFile file, IModelFolder folder)
    {
        ArgumentNullException.ThrowIfNull(file);
        FileKind kind;
        try
        {
            ReadOnlySpan<byte> head = file.Head;
            kind = Kind(head, file.Path);
            if (kind == FileKind.Safetensors && head.Length >= SafetensorsHeader.LengthPrefixSize
                && System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(head) is var headerLength
                && headerLength > MaxRemoteHeaderLength && headerLength <= (ulong)file.Length)
            {
                throw new ModelFormatException(file.Path, $"safetensors header of {headerLength} bytes exceeds the {MaxRemoteHeaderLength} read from the Hub; the file is corrupt or not a model");
            }

            if (kind == FileKind.PyTorch && !PyTorchCheckpoint.IsZip(head) && file.Length > MaxRemoteLegacyCheckpoint)
            {
                throw new ModelFormatException(file.Path, $"is a {file.Length}-byte PyTorch checkpoint in the legacy (pre-1.6) format, which is read whole, and more than the {MaxRemoteLegacyCheckpoint} bytes read that way from the Hub; download it and pass the file");
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }

        return Open(kind, file, folder);
    }

    /// <summary>Largest PyTorch checkpoint in the legacy format read from the Hub: that format is read from its first byte on.</summary>
    public const long MaxRemoteLegacyCheckpoint = 64L << 20;

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
        return Kind(prefix[..read], path);
    }

    private static FileKind Kind(ReadOnlySpan<byte> prefix, string path)
    {
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

    private static Opened Open(FileKind kind, IByteSource source, IModelFolder folder)
    {
        switch (kind)
        {
            case FileKind.Gguf:
                GgufFile gguf = GgufFile.Open(source);
                return new(gguf, GgufFile.FormatName, [source.Describe()], gguf.Metadata);
            case FileKind.PyTorch:
                PyTorchCheckpoint checkpoint = PyTorchCheckpoint.Open(source);
                return new(checkpoint, PyTorchCheckpoint.FormatName, [source.Describe()], new Dictionary<string, string>());
            case FileKind.Onnx:
                OnnxModel onnx = OnnxModel.Open(source, folder);
                return new(onnx, OnnxModel.FormatName, onnx.Files, onnx.Metadata);
            case FileKind.Tflite:
                TfliteModel tflite = TfliteModel.Open(source);
                return new(tflite, TfliteModel.FormatName, [source.Describe()], new Dictionary<string, string>());
            default:
                SafetensorsFile safetensors = SafetensorsFile.Open(source);
                return new(safetensors, "safetensors", [source.Describe()], safetensors.Metadata);
        }
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
