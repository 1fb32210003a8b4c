using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CyberDb.AspNetCore.HealthChecks;

/// <summary>
/// Healthy when a real round trip succeeds: take a pooled connection, ping the server, give the
/// connection back. The client is resolved here rather than injected, so a server that was down
/// when the app started makes the check unhealthy instead of making it fail to construct.
/// </summary>
internal sealed class CyberDbHealthCheck : IHealthCheck
{
    private readonly IServiceProvider _services;

    public CyberDbHealthCheck(IServiceProvider services)
    {
        _services = services;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var client = _services.GetRequiredService<CyberDbClient>();
            var started = Stopwatch.GetTimestamp();
            using (var proxy = client.GetProxy())
            {
                proxy.Connect();
                await proxy.PingAsync(cancellationToken).ConfigureAwait(false);
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            var data = new Dictionary<string, object>
            {
                ["transport"] = client.Transport.ToString(),
                ["roundTripMilliseconds"] = elapsed.TotalMilliseconds,
            };
            return HealthCheckResult.Healthy($"CyberDb answered in {elapsed.TotalMilliseconds:F2} ms over {client.Transport}", data);
        }
        catch (Exception e) when (e is CyberDbException or InvalidOperationException or ObjectDisposedException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "CyberDb did not answer: " + e.Message, e);
        }
    }
}
