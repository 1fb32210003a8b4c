using System.Globalization;
using CyberDb.Client;
using Microsoft.Extensions.Configuration;

namespace CyberDb.AspNetCore.Configuration;

/// <summary>
/// Binds a configuration section to <see cref="CyberDbClientOptions"/>: the connection-string
/// keywords as keys (<c>Host</c>, <c>Port</c>, <c>Password</c>, <c>Encrypt</c>, <c>TimeOut</c>,
/// <c>Transport</c>, <c>OperationTimeout</c>, <c>ReadCache</c>) and/or a <c>ConnectionString</c> value parsed with
/// <see cref="CyberDbClientOptions.Parse"/>; single keys override the connection string. Times are
/// seconds or a TimeSpan, as in the connection string. An unknown key is an error, as an unknown
/// connection-string keyword is (STYLE.md, habit 4): a typo must not silently fall back to a default.
/// </summary>
internal static class CyberDbConfigurationBinder
{
    public const string ConnectionStringKey = "ConnectionString";

    public static void Bind(IConfiguration section, CyberDbClientOptions options)
    {
        var path = section is IConfigurationSection named ? named.Path : "(configuration root)";
        if (section[ConnectionStringKey] is { Length: > 0 } connectionString)
        {
            try
            {
                CopyTo(CyberDbClientOptions.Parse(connectionString), options);
            }
            catch (ArgumentException e)
            {
                throw new InvalidOperationException($"{path}:{ConnectionStringKey} is invalid: {e.Message}", e);
            }
        }

        foreach (var child in section.GetChildren())
        {
            if (string.Equals(child.Key, ConnectionStringKey, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var known = ConnectionStringKeywords.All.FirstOrDefault(k => string.Equals(k, child.Key, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException(
                    $"{child.Path} is not a CyberDb option; known: {ConnectionStringKey}, {string.Join(", ", ConnectionStringKeywords.All)}");
            var value = child.Value
                ?? throw new InvalidOperationException($"{child.Path} must be a value, not a section");
            try
            {
                Apply(options, known, value.Trim());
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw new InvalidOperationException($"{child.Path} has an invalid value '{(known == ConnectionStringKeywords.Password ? "***" : value)}': {e.Message}", e);
            }
        }
    }

    private static void Apply(CyberDbClientOptions options, string keyword, string value)
    {
        switch (keyword)
        {
            case ConnectionStringKeywords.Host: options.Host = value; break;
            case ConnectionStringKeywords.Port: options.Port = int.Parse(value, CultureInfo.InvariantCulture); break;
            case ConnectionStringKeywords.Password: options.Password = value; break;
            case ConnectionStringKeywords.Encrypt: options.Encrypt = bool.Parse(value); break;
            case ConnectionStringKeywords.TimeOut: options.TimeOut = value.Length == 0 ? null : ParseTime(value); break;
            case ConnectionStringKeywords.OperationTimeout: options.OperationTimeout = ParseTime(value); break;
            case ConnectionStringKeywords.Transport: options.Transport = Enum.Parse<CyberTransport>(value, ignoreCase: true); break;
            case ConnectionStringKeywords.ReadCache: options.ReadCache = bool.Parse(value); break;
            default: throw new ArgumentException($"unhandled keyword {keyword}", nameof(keyword));
        }
    }

    /// <summary>Seconds ("900", "0.5") or a TimeSpan ("00:15:00"), as the connection string takes them.</summary>
    private static TimeSpan ParseTime(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.Parse(value, CultureInfo.InvariantCulture);

    /// <summary>Copies every setting of <paramref name="source"/> over <paramref name="target"/>.</summary>
    public static void CopyTo(CyberDbClientOptions source, CyberDbClientOptions target)
    {
        target.Host = source.Host;
        target.Port = source.Port;
        target.Password = source.Password;
        target.Encrypt = source.Encrypt;
        target.TimeOut = source.TimeOut;
        target.Transport = source.Transport;
        target.OperationTimeout = source.OperationTimeout;
        target.ReadCache = source.ReadCache;
    }
}
