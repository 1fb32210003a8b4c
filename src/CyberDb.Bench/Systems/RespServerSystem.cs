using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CyberDb.Bench.Processes;

namespace CyberDb.Bench.Systems;

/// <summary>
/// A RESP server (Redis, Garnet) run as a child process on a free loopback port and driven by
/// StackExchange.Redis (<see cref="RespBenchClient"/>). Subclasses say how to start the binary.
/// </summary>
internal abstract class RespServerSystem : IBenchSystem
{
    private const int PortAttempts = 3;

    // Orchestrator thread only.
    private ChildProcess? _server;

    public abstract string Id { get; }

    public abstract string Name { get; }

    public string Transport => "tcp";

    public string Endpoint { get; private set; } = string.Empty;

    public void Start(BenchEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var (fileName, baseArguments) = ResolveCommand(environment);
        string lastReason = "not started";
        for (var attempt = 1; attempt <= PortAttempts; attempt++)
        {
            var port = FreePort.Next();
            var logPath = Path.Combine(environment.LogDirectory, $"{Id}.log");
            ChildProcess server;
            try
            {
                server = ChildProcess.Start(Name, fileName, [.. baseArguments, .. PortArguments(port)], logPath);
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new BenchSystemUnavailableException($"cannot run {fileName}: {ex.Message}", ex);
            }

            if (WaitUntilReady(server, port, environment.StartTimeout, out lastReason))
            {
                _server = server;
                Endpoint = "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
                return;
            }

            server.Kill();
            if (!lastReason.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                break; // not a port race: another port will not help
            }
        }

        throw new BenchSystemUnavailableException(lastReason);
    }

    public void Stop()
    {
        _server?.Kill();
        _server = null;
    }

    public IBenchClient CreateClient(string endpoint, BenchKeyspace keyspace) => new RespBenchClient(endpoint, keyspace);

    /// <summary>The program and the arguments before the port ones; throws <see cref="BenchSystemUnavailableException"/> when it is not installed.</summary>
    protected abstract (string FileName, IReadOnlyList<string> Arguments) ResolveCommand(BenchEnvironment environment);

    /// <summary>The arguments that bind the server to <paramref name="port"/> on loopback only.</summary>
    protected abstract IEnumerable<string> PortArguments(int port);

    private static bool WaitUntilReady(ChildProcess server, int port, TimeSpan timeout, out string reason)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (server.HasExited)
            {
                reason = $"exited with code {server.ExitCode} at start: {server.Tail()}";
                return false;
            }

            if (TryPing(port))
            {
                reason = string.Empty;
                return true;
            }

            Thread.Sleep(50);
        }

        reason = $"did not answer PING on port {port} within {timeout.TotalSeconds:0} s: {server.Tail()}";
        return false;
    }

    private static bool TryPing(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
            {
                ReceiveTimeout = 1000,
                SendTimeout = 1000,
            };
            socket.Connect(IPAddress.Loopback, port);
            socket.Send("*1\r\n$4\r\nPING\r\n"u8);
            Span<byte> reply = stackalloc byte[64];
            var read = socket.Receive(reply);
            return Encoding.ASCII.GetString(reply[..read]).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
