using CyberDb;

namespace HelloWeb.Launcher;

/// <summary>
/// The seed's cyberdb_init.py and cyberdb_serve.py: a CyberDb server in this process with table
/// <c>centre</c> holding <c>content = "Hello CyberDB!"</c>, loaded from the snapshot file, or
/// created and saved to it when the file is missing.
/// </summary>
internal sealed class CentreDatabase : IDisposable
{
    public const string Table = "centre";
    public const string Content = "Hello CyberDB!";

    /// <summary>The seed's max_con.</summary>
    private const int MaxConnections = 10_000;

    private readonly CyberDbServer _server;

    private CentreDatabase(CyberDbServer server, string host, string password)
    {
        _server = server;
        Host = host;
        Password = password;
    }

    public string Host { get; }

    public int Port => _server.Port;

    public string Password { get; }

    public static CentreDatabase Start(string host, int port, string password, string dataPath)
    {
        var server = new CyberDbServer();
        try
        {
            // TODO(storage): when CyberDbServer.LoadDb/SaveDb/SetBackup land, do what the seed does:
            // if dataPath exists, server.LoadDb(dataPath) before Start; after the table is created
            // below, server.SaveDb(dataPath); then server.SetBackup(dataPath, TimeSpan.FromSeconds(300)).
            _ = dataPath;
            server.Start(new CyberDbServerOptions { Host = host, Port = port, Password = password, MaxConnections = MaxConnections });
            var database = new CentreDatabase(server, host, password);
            database.CreateCentreIfMissing();
            return database;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>cyberdb_init.py: create table centre and its content, unless a loaded snapshot has it.</summary>
    private bool CreateCentreIfMissing()
    {
        using var client = CyberDbClient.Connect(new CyberDbClientOptions { Host = Host, Port = Port, Password = Password, Transport = CyberTransport.Tcp });
        using var proxy = client.GetProxy();
        proxy.Connect();
        if (proxy.GetTables().ContainsKey(Table))
        {
            return false;
        }

        var centre = proxy.CreateCyberDict(Table);
        centre["content"] = Content;
        return true;
    }

    /// <summary>Saves the snapshot (if storage is there) and stops the server.</summary>
    public void Dispose() => _server.Dispose();
}
