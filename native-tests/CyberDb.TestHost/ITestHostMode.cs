namespace CyberDb.TestHost;

/// <summary>
/// One thing the test host can do in a child process. Each mode lives in its own file and is
/// found by <see cref="Name"/>, so adding a mode never touches <c>Program.cs</c>.
/// </summary>
internal interface ITestHostMode
{
    /// <summary>The first command-line argument that selects this mode.</summary>
    string Name { get; }

    /// <summary>Runs the mode; the return value is the process exit code.</summary>
    int Run(string[] args);
}
