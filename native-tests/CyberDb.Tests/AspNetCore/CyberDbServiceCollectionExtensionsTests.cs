using CyberDb.AspNetCore;
using CyberDb.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CyberDb.Tests.AspNetCore;

/// <summary>DI registration against a real server in this process (port 0): the client singleton, the scoped proxy, options binding and validation.</summary>
public class CyberDbServiceCollectionExtensionsTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public CyberDbServiceCollectionExtensionsTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    private ServiceProvider BuildProvider(Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection();
        services.AddCyberDb(options =>
        {
            options.Port = _fixture.Port;
            options.Password = ServerFixture.Password;
            options.OperationTimeout = TimeSpan.FromSeconds(10);
        });
        more?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    [Fact]
    public void AddCyberDb_Action_ClientIsOneSingleton()
    {
        using var provider = BuildProvider();
        var first = provider.GetRequiredService<CyberDbClient>();
        Assert.Same(first, provider.GetRequiredService<CyberDbClient>());
        using var scope = provider.CreateScope();
        Assert.Same(first, scope.ServiceProvider.GetRequiredService<CyberDbClient>());
    }

    [Fact]
    public void ScopedProxy_FirstResolve_IsConnectedAndSharedWithinTheScope()
    {
        using var provider = BuildProvider();
        using var scope = provider.CreateScope();
        var proxy = scope.ServiceProvider.GetRequiredService<CyberProxy>();
        Assert.True(proxy.IsConnected);
        Assert.Same(proxy, scope.ServiceProvider.GetRequiredService<CyberProxy>());
        using var other = provider.CreateScope();
        Assert.NotSame(proxy, other.ServiceProvider.GetRequiredService<CyberProxy>());
    }

    [Fact]
    public void ScopedProxy_ScopeEnds_ProxyClosedAndConnectionBackInPool()
    {
        using var provider = BuildProvider();
        var client = provider.GetRequiredService<CyberDbClient>();
        var name = ServerFixture.UniqueName("centre");
        CyberProxy proxy;
        CyberDict centre;
        int idleDuringRequest;
        using (var scope = provider.CreateScope())
        {
            proxy = scope.ServiceProvider.GetRequiredService<CyberProxy>();
            centre = proxy.CreateCyberDict(name);
            centre["content"] = "Hello CyberDB!";
            Assert.Equal("Hello CyberDB!", proxy.GetCyberDict(name)["content"]);
            idleDuringRequest = client.IdleCount;
        }

        Assert.False(proxy.IsConnected);
        Assert.Equal(idleDuringRequest + 1, client.IdleCount);
        Assert.Throws<InvalidOperationException>(() => centre["content"]);
    }

    [Fact]
    public void ScopedProxy_ManyScopes_ReuseOnePooledConnection()
    {
        using var provider = BuildProvider();
        var client = provider.GetRequiredService<CyberDbClient>();
        for (var i = 0; i < 20; i++)
        {
            using var scope = provider.CreateScope();
            scope.ServiceProvider.GetRequiredService<CyberProxy>().Ping();
        }

        Assert.Equal(1, client.IdleCount);
    }

    [Fact]
    public void AddCyberDb_ServerUnreachable_RegistrationDoesNotConnectButResolveThrows()
    {
        var services = new ServiceCollection();
        services.AddCyberDb(options =>
        {
            options.Port = UnusedPort();
            options.Password = "x";
            options.OperationTimeout = TimeSpan.FromSeconds(5);
        });
        using var provider = services.BuildServiceProvider();
        Assert.Throws<CyberDbConnectionException>(() => provider.GetRequiredService<CyberDbClient>());
    }

    [Fact]
    public void Container_Disposed_DisposesClient()
    {
        CyberDbClient client;
        using (var provider = BuildProvider())
        {
            client = provider.GetRequiredService<CyberDbClient>();
            client.GetProxy().Dispose();
        }

        Assert.Throws<ObjectDisposedException>(() => client.GetProxy());
    }

    [Fact]
    public void AddCyberDb_Configuration_BindsEveryKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CyberDb:Host"] = "127.0.0.1",
            ["CyberDb:Port"] = _fixture.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CyberDb:Password"] = ServerFixture.Password,
            ["CyberDb:Encrypt"] = "false",
            ["CyberDb:TimeOut"] = "900",
            ["CyberDb:Transport"] = "tcp",
            ["CyberDb:OperationTimeout"] = "00:00:12",
        }).Build();
        var services = new ServiceCollection();
        services.AddCyberDb(configuration.GetSection("CyberDb"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<CyberDbClientOptions>>().Value;
        Assert.Equal(_fixture.Port, options.Port);
        Assert.Equal(TimeSpan.FromSeconds(900), options.TimeOut);
        Assert.Equal(CyberTransport.Tcp, options.Transport);
        Assert.Equal(TimeSpan.FromSeconds(12), options.OperationTimeout);
        using var scope = provider.CreateScope();
        scope.ServiceProvider.GetRequiredService<CyberProxy>().Ping();
    }

    [Fact]
    public void AddCyberDb_ConfigurationConnectionString_SingleKeysOverrideIt()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CyberDb:ConnectionString"] = $"Host=127.0.0.1;Port=1;Password={ServerFixture.Password};TimeOut=60",
            ["CyberDb:Port"] = _fixture.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var services = new ServiceCollection();
        services.AddCyberDb(configuration.GetSection("CyberDb"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<CyberDbClientOptions>>().Value;
        Assert.Equal(_fixture.Port, options.Port);
        Assert.Equal(TimeSpan.FromSeconds(60), options.TimeOut);
        Assert.Equal(ServerFixture.Password, options.Password);
    }

    [Fact]
    public void AddCyberDb_ConfigurationUnknownKey_FailsNamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CyberDb:Password"] = "x",
            ["CyberDb:Prot"] = "9980",
        }).Build();
        var services = new ServiceCollection();
        services.AddCyberDb(configuration.GetSection("CyberDb"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<CyberDbClientOptions>>().Value);
        Assert.Contains("CyberDb:Prot", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddCyberDb_ConnectionString_ConnectsWithIt()
    {
        var services = new ServiceCollection();
        services.AddCyberDb($"Host=127.0.0.1;Port={_fixture.Port};Password={ServerFixture.Password};Transport=Tcp");
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();
        scope.ServiceProvider.GetRequiredService<CyberProxy>().Ping();
        Assert.Equal(CyberTransport.Tcp, provider.GetRequiredService<CyberDbClient>().Transport);
    }

    [Fact]
    public void AddCyberDb_MalformedConnectionString_ThrowsAtRegistration()
    {
        var services = new ServiceCollection();
        var error = Assert.Throws<ArgumentException>(() => services.AddCyberDb("Host=127.0.0.1;Colour=blue"));
        Assert.Contains("Colour", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Password", "", "Password")]
    [InlineData("Port", "70000", "Port")]
    [InlineData("OperationTimeout", "0", "OperationTimeout")]
    public async Task HostStart_InvalidOption_FailsNamingTheOption(string key, string value, string named)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CyberDb:Password"] = "x",
            ["CyberDb:" + key] = value,
        });
        builder.Services.AddCyberDb(builder.Configuration.GetSection("CyberDb"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_ValidOptions_StartsWithoutTouchingTheServer()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddCyberDb(options =>
        {
            options.Port = UnusedPort();
            options.Password = "x";
        });
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
    }

    internal static int UnusedPort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
