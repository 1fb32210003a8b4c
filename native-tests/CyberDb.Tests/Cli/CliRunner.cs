using CyberDb.Cli;
using CyberDb.Cli.Terminal;
using CyberDb.Tests.Infrastructure;

namespace CyberDb.Tests.Cli;

/// <summary>
/// Runs the cyberdb tool in this process against captured streams and a private environment, so
/// a command test costs no process start and cannot see (or change) the real environment.
/// </summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error, byte[] StandardOutputBytes)
    {
        public override string ToString() => $"exit {ExitCode}; out: {Out}; error: {Error}";
    }

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string>? environment = null, string? input = null, params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var bytes = new MemoryStream();
        var console = new CliConsole
        {
            Out = output,
            Error = error,
            In = new StringReader(input ?? string.Empty),
            GetEnvironmentVariable = name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
            InputIsTerminal = false,
            ErrorIsTerminal = false,
            OpenStandardOutput = () => new NonClosingStream(bytes),
        };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var code = await CliApplication.RunAsync(args, console, deadline.Token);
        return new Result(code, output.ToString(), error.ToString(), bytes.ToArray());
    }

    /// <summary>Runs against <paramref name="port"/> with the test password in CYBERDB_PASSWORD.</summary>
    public static Task<Result> RunAgainstAsync(int port, params string[] args) =>
        RunAsync(Environment(port), null, args);

    public static Dictionary<string, string> Environment(int port) => new()
    {
        ["CYBERDB_PASSWORD"] = ServerFixture.Password,
        ["CYBERDB_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Keeps the captured standard output readable after the command disposes its stream.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }
}
