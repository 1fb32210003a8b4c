using System.Text;
using Microsoft.Extensions.Options;

namespace CyberDb.AspNetCore.Caching;

/// <summary>The rules for <see cref="CyberDbCacheOptions"/>, checked once at start-up.</summary>
internal sealed class CyberDbCacheOptionsValidator : IValidateOptions<CyberDbCacheOptions>
{
    /// <summary>The server's limit on table names (UTF-8 bytes).</summary>
    private const int MaxTableNameBytes = 256;

    public ValidateOptionsResult Validate(string? name, CyberDbCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.TableName))
        {
            return ValidateOptionsResult.Fail("CyberDbCacheOptions.TableName is required");
        }

        if (Encoding.UTF8.GetByteCount(options.TableName) > MaxTableNameBytes)
        {
            return ValidateOptionsResult.Fail($"CyberDbCacheOptions.TableName has at most {MaxTableNameBytes} UTF-8 bytes");
        }

        if (options.SweepInterval is { } interval && interval <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail("CyberDbCacheOptions.SweepInterval must be positive (or null to turn the sweep off)");
        }

        return ValidateOptionsResult.Success;
    }
}
