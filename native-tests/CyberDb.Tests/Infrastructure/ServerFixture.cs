namespace CyberDb.Tests.Infrastructure;

/// <summary>
/// A real CyberDb server on a free loopback port, in this process, with a real client. Each test
/// class that uses it gets its own server (and tests use unique table names), so nothing leaks
/// between classes.
/// </summary>
public sealed class ServerFixture : IDisposable
{
    public const string Password = "test-password";

    public ServerFixture()
    {
        Server = new CyberDbServer();
        Server.Start(new CyberDbServerOptions { Port = 0, Password = Password });
        Client = CyberDbClient.Connect(ClientOptions());
    }

    public CyberDbServer Server { get; }

    public CyberDbClient Client { get; }

    public int Port => Server.Port;

    public CyberDbClientOptions ClientOptions() => new()
    {
        Port = Server.Port,
        Password = Password,
        OperationTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>A connected proxy; dispose it at the end of the test.</summary>
    public CyberProxy Proxy()
    {
        var proxy = Client.GetProxy();
        proxy.Connect();
        return proxy;
    }

    public static string UniqueName(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}";

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}
