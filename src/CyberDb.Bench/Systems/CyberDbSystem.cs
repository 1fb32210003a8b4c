using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CyberDb.Bench.Processes;

namespace CyberDb.Bench.Systems;

/// <summary>
/// CyberDb as a system under test: the server runs in its own process (this executable in
/// <c>cyberdb-server</c> mode, see <see cref="CyberDbServerMode"/>), and each worker connects with
/// <see cref="CyberDbClient"/> through one transport. A subclass per transport says which, so the
/// three CyberDb rows differ in nothing else.
/// </summary>
internal abstract class CyberDbSystem : IBenchSystem
{
    // Orchestrator thread only.
    private ChildProcess? _server;

    public abstract string Id { get; }

    public string Name => "CyberDb";

    public abstract string Transport { get; }

    public string Endpoint { get; private set; } = string.Empty;

    /// <summary>The transport the workers ask for; never Auto, so a row is exactly what it says.</summary>
    protected abstract CyberTransport ClientTransport { get; }

    /// <summary>AES-256 on TCP, on both sides.</summary>
    protected virtual bool Encrypt => false;

    public void Start(BenchEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var encrypt = Encrypt ? "true" : "false";
        var server = BenchExecutable.Start($"CyberDb server ({Transport})", CyberDbServerMode.ModeName,
            ["--password", password, "--encrypt", encrypt]);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < environment.StartTimeout)
        {
            if (!server.TryReadLine(environment.StartTimeout - deadline.Elapsed, out var line))
            {
                break;
            }

            if (line.StartsWith(CyberDbServerMode.PortReply + " ", StringComparison.Ordinal))
            {
                var port = int.Parse(line.AsSpan(CyberDbServerMode.PortReply.Length + 1), CultureInfo.InvariantCulture);
                _server = server;
                Endpoint = string.Create(CultureInfo.InvariantCulture,
                    $"Host=127.0.0.1;Port={port};Password={password};Encrypt={encrypt};Transport={ClientTransport};ReadCache=false");
                Probe();
                return;
            }

            if (line.StartsWith(CyberDbServerMode.FatalReply, StringComparison.Ordinal))
            {
                break;
            }
        }

        var state = server.HasExited ? $"exited with code {server.ExitCode}" : "did not report its port";
        var tail = server.Tail();
        server.Kill();
        throw new BenchSystemUnavailableException($"CyberDb server {state}: {tail}");
    }

    // One connection through the transport this row is about: a transport the client or server
    // cannot offer here (shared memory not built yet, another OS) makes the row "missing".
    private void Probe()
    {
        try
        {
            using var client = CyberDbClient.Connect(CyberDbClientOptions.Parse(Endpoint));
            if (client.Transport != ClientTransport)
            {
                throw new BenchSystemUnavailableException($"asked for {ClientTransport}, the client resolved {client.Transport}");
            }
        }
        catch (CyberDbConnectionException ex)
        {
            Stop();
            throw new BenchSystemUnavailableException($"{ClientTransport} transport unavailable: {ex.Message}", ex);
        }
        catch (BenchSystemUnavailableException)
        {
            Stop();
            throw;
        }
    }

    public void Stop()
    {
        // End of input is the server's signal to stop; kill it if it takes longer than that.
        _server?.Stop(TimeSpan.FromSeconds(5));
        _server = null;
    }

    public IBenchClient CreateClient(string endpoint, BenchKeyspace keyspace) =>
        new CyberDbBenchClient(CyberDbClientOptions.Parse(endpoint), keyspace);
}
