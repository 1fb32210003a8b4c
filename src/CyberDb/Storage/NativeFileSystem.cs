using System.ComponentModel;
using System.Runtime.InteropServices;

namespace CyberDb.Storage;

/// <summary>
/// The two POSIX calls .NET does not offer and a crash-safe save needs: <c>fsync</c> of a
/// directory (so that a rename survives a power cut) and <c>link</c> (to keep the previous file
/// as the backup without copying it). Linux only; elsewhere <see cref="FsyncDirectory"/> does
/// nothing and <see cref="TryHardLink"/> returns false, so the caller copies instead.
/// </summary>
internal static partial class NativeFileSystem
{
    /// <summary><c>O_RDONLY</c>.</summary>
    private const int ORdOnly = 0;

    /// <summary><c>O_CLOEXEC</c>: 02000000 on every Linux architecture .NET runs on.</summary>
    private const int OCloExec = 0x80000;

    /// <summary><c>EINTR</c>.</summary>
    private const int EIntr = 4;

    /// <summary><c>EINVAL</c>: the file system cannot fsync a directory (some network and FUSE file systems).</summary>
    private const int EInval = 22;

    /// <summary>
    /// <c>O_DIRECTORY</c>: 0200000 in the generic ABI (x86, x64, RISC-V, LoongArch, s390x) but
    /// 040000 on ARM and PowerPC (<c>arch/*/include/uapi/asm/fcntl.h</c>).
    /// </summary>
    internal static readonly int ODirectory = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.Arm or Architecture.Armv6 or Architecture.Arm64 or Architecture.Ppc64le => 0x4000,
        _ => 0x10000,
    };

    /// <summary>Flushes a directory's entries (renames, creations) to disk. No-op off Linux.</summary>
    /// <exception cref="IOException">open or fsync failed.</exception>
    public static void FsyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd;
        do
        {
            fd = Open(directory, ORdOnly | ODirectory | OCloExec);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EIntr);

        if (fd < 0)
        {
            throw Failure("open", directory);
        }

        try
        {
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() != EInval)
            {
                throw Failure("fsync", directory);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Makes <paramref name="newPath"/> a second name of <paramref name="existingPath"/>; false where that cannot be done.</summary>
    public static bool TryHardLink(string existingPath, string newPath) => OperatingSystem.IsLinux() && Link(existingPath, newPath) == 0;

    private static IOException Failure(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call}({path}) failed: {new Win32Exception(errno).Message} (errno {errno})");
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existingPath, string newPath);
}
