using System.Globalization;

namespace CyberDb.Transport.SharedMemory;

/// <summary>
/// A process named by pid <b>and</b> start time, so that a pid the kernel reused for another
/// process is not taken for the original one.
/// </summary>
/// <remarks>
/// <para>API: <c>int CurrentPid</c>, <c>long CurrentStartTime</c>,
/// <c>bool TryGetStartTime(int pid, out long startTime)</c>, <c>bool IsAlive(int pid, long startTime)</c>.</para>
/// <para>The start time is field 22 of <c>/proc/&lt;pid&gt;/stat</c> (<c>starttime</c>, clock ticks
/// after boot): it never changes for a process and two processes with the same pid cannot share it.
/// A zombie (state <c>Z</c> or <c>X</c>) counts as dead. Each call reads a small procfs file
/// (a few microseconds and one small allocation): use it on slow paths, such as once per futex
/// timeout slice, never per message.</para>
/// </remarks>
internal static class ProcessIdentity
{
    /// <summary>Field number of <c>starttime</c> in <c>/proc/&lt;pid&gt;/stat</c> (proc(5), 1-based).</summary>
    public const int StartTimeField = 22;

    private static readonly Lazy<long> s_currentStartTime = new(() =>
        TryGetStartTime(Environment.ProcessId, out var startTime)
            ? startTime
            : throw new PlatformNotSupportedException("cannot read /proc/self/stat; shared memory needs Linux procfs."));

    public static int CurrentPid => Environment.ProcessId;

    public static long CurrentStartTime => s_currentStartTime.Value;

    /// <summary>Reads the start time of a live (non-zombie) process.</summary>
    /// <returns><see langword="false"/> if no such process exists or it is a zombie.</returns>
    public static bool TryGetStartTime(int pid, out long startTime)
    {
        startTime = 0;
        if (pid <= 0)
        {
            return false;
        }

        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return false;
        }

        return TryParseStat(stat, out startTime);
    }

    /// <summary>Whether the process <paramref name="pid"/> runs and is the one that started at <paramref name="startTime"/>.</summary>
    public static bool IsAlive(int pid, long startTime) =>
        TryGetStartTime(pid, out var actual) && actual == startTime;

    /// <summary>
    /// Parses a <c>/proc/&lt;pid&gt;/stat</c> line: <c>pid (comm) state ppid ...</c>. The command
    /// name may hold spaces and parentheses, so fields are counted after the <b>last</b> ')'.
    /// </summary>
    internal static bool TryParseStat(ReadOnlySpan<char> stat, out long startTime)
    {
        startTime = 0;
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return false;
        }

        // After ") " comes field 3 (state); field 22 is 19 spaces further on.
        var rest = stat[(close + 1)..].TrimStart(' ');
        var field = 3;
        while (field < StartTimeField)
        {
            if (field == 3 && rest.Length > 0 && rest[0] is 'Z' or 'X')
            {
                return false;
            }

            var space = rest.IndexOf(' ');
            if (space < 0)
            {
                return false;
            }

            rest = rest[(space + 1)..];
            field++;
        }

        var end = rest.IndexOf(' ');
        var value = end < 0 ? rest.TrimEnd('\n') : rest[..end];
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out startTime);
    }
}
