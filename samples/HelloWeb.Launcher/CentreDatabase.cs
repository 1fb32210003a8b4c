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

    /// <summary>The seed's set_backup cycle.</summary>
    private static readonly TimeSpan BackupCycle = TimeSpan.FromSeconds(300);

    private readonly CyberDbServer _server;
    private readonly string _dataPath;

    private CentreDatabase(CyberDbServer server, string host, string password, string dataPath)
    {
        _server = server;
        _dataPath = dataPath;
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
            // What the seed's cyberdb_serve.py does: load the last snapshot when there is one
            // (cyberdb_init.py's table otherwise), save it, and back it up every 300 s.
            if (File.Exists(dataPath))
            {
                server.LoadDb(dataPath);
            }

            server.Start(new CyberDbServerOptions { Host = host, Port = port, Password = password, MaxConnections = MaxConnections });
            var database = new CentreDatabase(server, host, password, dataPath);
            if (database.CreateCentreIfMissing())
            {
                server.SaveDb(dataPath);
            }

            server.SetBackup(dataPath, BackupCycle);
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

    /// <summary>Saves the snapshot and stops the server.</summary>
    public void Dispose()
    {
        try
        {
            _server.SaveDb(_dataPath);
        }
        finally
        {
            _server.Dispose();
        }
    }
}
