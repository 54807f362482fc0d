using System.Runtime.InteropServices;

namespace TensorGuard.Core.Formats;

/// <summary>
/// Refuses paths that are not regular files (named pipes, devices, sockets, directories) before anything opens
/// them: opening a FIFO blocks until a writer appears, and a device such as <c>/dev/zero</c> reads forever while
/// reporting 0 bytes. .NET exposes no file type, so on Unix we ask the runtime's own native shim (System.Native's
/// stat, which follows links and reports the type bits with the same values on every Unix); a hand-written
/// <c>struct stat</c> would differ between Linux architectures and macOS.
/// </summary>
public static partial class RegularFile
{
    private const int TypeMask = 0xF000;
    private const int Fifo = 0x1000, CharacterDevice = 0x2000, Directory = 0x4000, BlockDevice = 0x6000, Regular = 0x8000, Socket = 0xC000;

    /// <summary>Throws when <paramref name="path"/> exists but is not a regular file (after following links).</summary>
    /// <param name="what">What the file is, starting the message: "ONNX external data", "adapter_config.json".</param>
    /// <exception cref="ModelFormatException">The path is a FIFO, device, socket or directory.</exception>
    public static void Require(string path, string what)
    {
        if (SpecialKind(path) is { } kind)
        {
            throw new ModelFormatException(path, $"{what} is {kind}, not a regular file; TensorGuard reads only regular files (it would block or never end reading this one): replace it with the file itself");
        }
    }

    /// <summary>What <paramref name="path"/> is when it exists but is not a regular file ("a named pipe (FIFO)"), else null.</summary>
    public static string? SpecialKind(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return System.IO.Directory.Exists(path) ? "a directory" : null;
        }

        return Mode(path) is not int mode ? null : (mode & TypeMask) switch
        {
            Regular => null,
            Fifo => "a named pipe (FIFO)",
            CharacterDevice => "a character device",
            BlockDevice => "a block device",
            Directory => "a directory",
            Socket => "a socket",
            _ => "a special file",
        };
    }

    private static unsafe int? Mode(string path)
    {
        // FileStatus starts with int32 Flags, int32 Mode; the rest (under 256 bytes) is not read.
        byte* status = stackalloc byte[256];
        return path.Contains('\0', StringComparison.Ordinal) || Stat(path, status) != 0 ? null : *(int*)(status + sizeof(int));
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* output);
}
