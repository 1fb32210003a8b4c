using System.Runtime.InteropServices;

namespace CyberDb.Bench.Processes;

/// <summary>
/// Every child process the orchestrator started and has not yet stopped, so that none outlives it:
/// <see cref="KillAll"/> runs from the orchestrator's <c>finally</c>, from SIGINT/SIGTERM/SIGHUP
/// handlers and from <see cref="AppDomain.ProcessExit"/>. Against SIGKILL of the orchestrator,
/// children also get a parent-death signal (<see cref="ChildProcess"/>), and workers and the CyberDb
/// server exit when their standard input closes.
/// </summary>
internal static class ChildProcessRegistry
{
    // Guards s_live. Held only to copy or change the set, never while killing or waiting.
    private static readonly Lock s_gate = new();
    private static readonly HashSet<ChildProcess> s_live = [];
    private static int s_hooksInstalled;
    private static PosixSignalRegistration[] s_signalRegistrations = [];

    public static void Add(ChildProcess child)
    {
        InstallHooks();
        lock (s_gate)
        {
            s_live.Add(child);
        }
    }

    public static void Remove(ChildProcess child)
    {
        lock (s_gate)
        {
            s_live.Remove(child);
        }
    }

    /// <summary>Kills every live child (and its descendants) and waits briefly for each; returns how many.</summary>
    public static int KillAll()
    {
        ChildProcess[] children;
        lock (s_gate)
        {
            children = [.. s_live];
            s_live.Clear();
        }

        foreach (var child in children)
        {
            child.Kill();
        }

        return children.Length;
    }

    private static void InstallHooks()
    {
        if (Interlocked.Exchange(ref s_hooksInstalled, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        s_signalRegistrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
        ];
    }

    private static void OnSignal(PosixSignalContext context)
    {
        var killed = KillAll();
        Console.Error.WriteLine($"bench: {context.Signal}: stopped {killed} child process(es)");

        // Let the runtime carry on with its default action (terminate).
        context.Cancel = false;
    }
}
