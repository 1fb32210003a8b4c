using System.CommandLine;
using CyberDb.Cli.Terminal;

namespace CyberDb.Cli.Commands;

/// <summary>
/// The flags every client command (shell, info, dump, restore) shares, each with an environment
/// fallback: a flag wins over its variable, which wins over the default.
/// </summary>
internal sealed class ConnectionOptions
{
    public const string HostVariable = "CYBERDB_HOST";
    public const string PortVariable = "CYBERDB_PORT";
    public const string PasswordVariable = "CYBERDB_PASSWORD";
    public const string EncryptVariable = "CYBERDB_ENCRYPT";

    /// <summary>How long one call may take before the tool gives up (dumps of big tables included).</summary>
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(60);

    private readonly Option<string?> _host = new("--host")
    {
        Description = $"server address [env {HostVariable}; default 127.0.0.1]",
        HelpName = "address",
    };

    private readonly Option<int?> _port = new("--port", "-p")
    {
        Description = $"server port [env {PortVariable}; default {CyberDbServerOptions.DefaultPort}]",
        HelpName = "port",
    };

    private readonly Option<string?> _password = new("--password")
    {
        Description = $"server password [env {PasswordVariable}; prefer the variable: a command line is visible to other users]",
        HelpName = "password",
    };

    private readonly Option<bool?> _encrypt = new("--encrypt")
    {
        Description = $"encrypt the connection; must match the server [env {EncryptVariable}; default false]",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_host);
        command.Options.Add(_port);
        command.Options.Add(_password);
        command.Options.Add(_encrypt);
    }

    public CyberDbClientOptions Resolve(ParseResult result, CliConsole console)
    {
        var host = result.GetValue(_host) ?? console.GetEnvironmentVariable(HostVariable) ?? "127.0.0.1";
        var port = result.GetValue(_port)
            ?? (console.GetEnvironmentVariable(PortVariable) is { Length: > 0 } portText ? SettingParser.ParseInt(portText, PortVariable, 1, 65535) : CyberDbServerOptions.DefaultPort);
        var password = result.GetValue(_password) ?? console.GetEnvironmentVariable(PasswordVariable);
        if (string.IsNullOrEmpty(password))
        {
            throw new CliUsageException($"a password is required: set {PasswordVariable} or pass --password");
        }

        var encrypt = result.GetResult(_encrypt) is not null
            ? result.GetValue(_encrypt) ?? true
            : console.GetEnvironmentVariable(EncryptVariable) is { Length: > 0 } encryptText && SettingParser.ParseBool(encryptText, EncryptVariable);
        return new CyberDbClientOptions
        {
            Host = host,
            Port = port,
            Password = password,
            Encrypt = encrypt,
            OperationTimeout = OperationTimeout,
        };
    }

    /// <summary>Connects (and authenticates) with the resolved options.</summary>
    public CyberDbClient Connect(ParseResult result, CliConsole console) => CyberDbClient.Connect(Resolve(result, console));
}
