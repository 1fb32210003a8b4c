using CyberDb.AspNetCore.Caching;
using CyberDb.AspNetCore.Configuration;
using CyberDb.AspNetCore.Hosting;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CyberDb.AspNetCore;

/// <summary>
/// Registers CyberDb in an ASP.NET Core app, as the seed's Flask app uses it: one
/// <see cref="CyberDbClient"/> per process (a singleton, the connection pool) and one
/// <see cref="CyberProxy"/> per request (scoped), connected when a request first asks for it and
/// closed, its connection back in the pool, when the request ends: the seed's
/// <c>before_request</c> / <c>teardown_request</c>. The client connects while the app starts
/// (a hosted service, <see cref="CyberDbClientWarmup"/>), so the first requests do not wait for it;
/// a server that is down then is logged, not fatal.
/// <para>
/// (STYLE.md's Npgsql habit would put these in Microsoft.Extensions.DependencyInjection; API.md
/// fixes CyberDb.AspNetCore as the package's namespace, and API.md wins.)
/// </para>
/// </summary>
public static class CyberDbServiceCollectionExtensions
{
    private const string LoggerCategory = "CyberDb.AspNetCore";

    /// <summary>Registers CyberDb with options set in code.</summary>
    public static IServiceCollection AddCyberDb(this IServiceCollection services, Action<CyberDbClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CyberDbClientOptions>().Configure(configure);
        return AddCore(services);
    }

    /// <summary>
    /// Registers CyberDb with options from a configuration section: keys <c>Host</c>, <c>Port</c>,
    /// <c>Password</c>, <c>Encrypt</c>, <c>TimeOut</c>, <c>Transport</c>, <c>OperationTimeout</c>, <c>ReadCache</c>
    /// (times in seconds or as a TimeSpan), or a <c>ConnectionString</c> that the single keys
    /// override. An unknown key stops the app at start-up.
    /// </summary>
    public static IServiceCollection AddCyberDb(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<CyberDbClientOptions>().Configure(options => CyberDbConfigurationBinder.Bind(configuration, options));
        return AddCore(services);
    }

    /// <summary>Registers CyberDb with a connection string ("Host=127.0.0.1;Port=9980;Password=..."); a malformed one throws here.</summary>
    public static IServiceCollection AddCyberDb(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(connectionString);
        var parsed = CyberDbClientOptions.Parse(connectionString);
        services.AddOptions<CyberDbClientOptions>().Configure(options => CyberDbConfigurationBinder.CopyTo(parsed, options));
        return AddCore(services);
    }

    /// <summary>
    /// Registers an <see cref="IDistributedCache"/> and <see cref="IBufferDistributedCache"/> that
    /// keep entries in a CyberDict table (default <c>__cache</c>), with absolute, relative and
    /// sliding expiration. HybridCache picks it up as its second level. Call <c>AddCyberDb</c> as well.
    /// </summary>
    public static IServiceCollection AddCyberDbDistributedCache(this IServiceCollection services, Action<CyberDbCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<CyberDbCacheOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CyberDbCacheOptions>, CyberDbCacheOptionsValidator>());
        services.TryAddSingleton(static sp => new CyberDbDistributedCache(
            sp.GetRequiredService<CyberDbClient>(),
            sp.GetRequiredService<IOptions<CyberDbCacheOptions>>().Value,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            CreateLogger(sp, LoggerCategory + ".DistributedCache")));

        // Added, not tried: like the Redis and SQL Server caches, the last cache registered wins.
        services.AddSingleton<IDistributedCache>(static sp => sp.GetRequiredService<CyberDbDistributedCache>());
        services.AddSingleton<IBufferDistributedCache>(static sp => sp.GetRequiredService<CyberDbDistributedCache>());
        return services;
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddOptions<CyberDbClientOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CyberDbClientOptions>, CyberDbClientOptionsValidator>());
        services.TryAddSingleton(CreateClient);
        services.TryAddScoped(CreateProxy);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CyberDbClientWarmup>(
            static sp => new CyberDbClientWarmup(sp, CreateLogger(sp, LoggerCategory))));
        return services;
    }

    /// <summary>Runs on the first resolve; the container disposes the client (and its pool) with itself.</summary>
    private static CyberDbClient CreateClient(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<CyberDbClientOptions>>().Value;
        var logger = CreateLogger(services, LoggerCategory);
        try
        {
            var client = CyberDbClient.Connect(options, services.GetService<TimeProvider>() ?? TimeProvider.System);
            LogMessages.ClientConnected(logger, options.Host, options.Port, client.Transport);
            return client;
        }
        catch (CyberDbException e)
        {
            // Not cached by the container: the next request tries again.
            LogMessages.ClientConnectFailed(logger, options.Host, options.Port, e);
            throw;
        }
    }

    /// <summary>Runs once per scope (request), when something first asks for the proxy; the scope's end disposes it, which closes it.</summary>
    private static CyberProxy CreateProxy(IServiceProvider services)
    {
        var proxy = services.GetRequiredService<CyberDbClient>().GetProxy();
        try
        {
            proxy.Connect();
            return proxy;
        }
        catch (CyberDbException e)
        {
            LogMessages.ProxyConnectFailed(CreateLogger(services, LoggerCategory), e);
            proxy.Dispose();
            throw;
        }
    }

    private static ILogger CreateLogger(IServiceProvider services, string category) =>
        (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger(category);
}
