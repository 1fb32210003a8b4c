using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CyberDb.Security;

/// <summary>
/// The addresses allowed to connect when <c>Encrypt</c> is on (<see cref="CyberDbServer.SetIpWhitelist"/>):
/// single addresses and CIDR blocks, IPv4 and IPv6. Immutable; a new list replaces the old one
/// for connections accepted afterwards.
/// <para>
/// Parsing is strict, because a whitelist that means something other than what its author read
/// is a hole: IPv4 must be four decimal parts (<see cref="IPAddress.TryParse(string, out IPAddress)"/>
/// alone would take "127.1" or "2130706433"), a block must not have host bits set ("10.0.0.5/8"),
/// host names are not resolved, and an empty list is refused rather than locking everyone out.
/// IPv4-mapped IPv6 addresses ("::ffff:10.0.0.1") count as their IPv4 address, on both sides;
/// IPv6 scope ids are ignored.
/// </para>
/// </summary>
internal sealed class IpWhitelist
{
    private readonly IPNetwork[] _networks;

    private IpWhitelist(IPNetwork[] networks)
    {
        _networks = networks;
    }

    /// <summary>What a server allows before <see cref="CyberDbServer.SetIpWhitelist"/> is called: this host over IPv4.</summary>
    public static IpWhitelist Default { get; } = Parse(["127.0.0.1"]);

    /// <summary>The blocks, normalised (single addresses as /32 or /128).</summary>
    public IReadOnlyList<IPNetwork> Networks => _networks;

    /// <summary>Parses every entry; the first bad one throws an <see cref="ArgumentException"/> that names it.</summary>
    public static IpWhitelist Parse(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var networks = new List<IPNetwork>();
        var index = 0;
        foreach (var entry in entries)
        {
            networks.Add(ParseEntry(entry, index));
            index++;
        }

        if (networks.Count == 0)
        {
            throw new ArgumentException(
                "the IP whitelist is empty, which would refuse every client; to allow every address, pass [\"0.0.0.0/0\", \"::/0\"]",
                nameof(entries));
        }

        return new IpWhitelist([.. networks.Distinct()]);
    }

    /// <summary>Whether <paramref name="address"/> (as a socket reports it) is allowed.</summary>
    public bool Contains(IPAddress address)
    {
        var normalised = Normalise(address);
        foreach (var network in _networks)
        {
            if (network.Contains(normalised))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An IPv4-mapped IPv6 address as IPv4 (a dual-mode listener reports IPv4 clients that way); others unchanged.</summary>
    public static IPAddress Normalise(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public override string ToString() => string.Join(", ", _networks);

    private static IPNetwork ParseEntry(string? entry, int index)
    {
        var text = entry?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            throw Bad(entry, index, "it is empty");
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!TryParseAddress(addressText, out var address))
        {
            throw Bad(entry, index, "it is not an IP address or CIDR block (for example 192.168.1.20, 10.0.0.0/8, 2001:db8::/32); host names are not resolved");
        }

        var maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = maxPrefix;
        if (slash >= 0)
        {
            var prefixText = text[(slash + 1)..];
            if (prefixText.Length is 0 or > 3
                || !prefixText.All(char.IsAsciiDigit)
                || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out prefix)
                || prefix > maxPrefix)
            {
                throw Bad(entry, index, $"the prefix length after '/' must be 0..{maxPrefix}");
            }
        }

        if (address.IsIPv4MappedToIPv6 && prefix >= 96)
        {
            // "::ffff:10.0.0.0/104" is the IPv4 block 10.0.0.0/8: clients are compared as IPv4.
            address = address.MapToIPv4();
            prefix -= 96;
        }

        address = WithoutScope(address);
        var network = new IPNetwork(Masked(address, prefix), prefix);
        if (!network.BaseAddress.Equals(address))
        {
            throw Bad(entry, index, $"it has host bits set after the /{prefix} prefix; the block is {network}");
        }

        return network;
    }

    private static bool TryParseAddress(string text, out IPAddress address)
    {
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(text, out address!) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        // Dotted quad only: four decimal parts of 1..3 digits.
        var parts = text.Split('.');
        if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit)))
        {
            address = IPAddress.None;
            return false;
        }

        return IPAddress.TryParse(text, out address!) && address.AddressFamily == AddressFamily.InterNetwork;
    }

    private static IPAddress WithoutScope(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0
            ? new IPAddress(address.GetAddressBytes())
            : address;

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bits = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF00 >> bits);
        }

        return new IPAddress(bytes);
    }

    private static ArgumentException Bad(string? entry, int index, string why) =>
        new($"IP whitelist entry #{index} '{entry}' is invalid: {why}", "entries");
}
