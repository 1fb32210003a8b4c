using CyberDb.AspNetCore.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CyberDb.AspNetCore;

/// <summary>Registers the CyberDb health check: <c>builder.Services.AddHealthChecks().AddCyberDbHealthCheck()</c>.</summary>
public static class CyberDbHealthChecksBuilderExtensions
{
    /// <summary>The check's default name.</summary>
    public const string DefaultName = "cyberdb";

    /// <summary>
    /// Adds a check that does a real round trip (a ping) through the registered
    /// <see cref="CyberDbClient"/>; call <c>AddCyberDb</c> as well.
    /// </summary>
    public static IHealthChecksBuilder AddCyberDbHealthCheck(
        this IHealthChecksBuilder builder,
        string name = DefaultName,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new CyberDbHealthCheck(services),
            failureStatus,
            tags,
            timeout));
    }
}
