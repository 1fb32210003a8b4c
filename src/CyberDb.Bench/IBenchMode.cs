namespace CyberDb.Bench;

/// <summary>
/// One thing the bench executable can do in a process: the orchestrator (<c>run</c>), a client
/// process (<c>worker</c>), a database server process (<c>cyberdb-server</c>). Each mode lives in
/// its own file and is found by <see cref="Name"/>, so adding a mode never touches <c>Program.cs</c>.
/// </summary>
internal interface IBenchMode
{
    /// <summary>The first command-line argument that selects this mode.</summary>
    string Name { get; }

    /// <summary>Runs the mode; the return value is the process exit code.</summary>
    int Run(string[] args);
}
