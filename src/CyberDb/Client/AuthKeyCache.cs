using CyberDb.Protocol;

namespace CyberDb.Client;

/// <summary>
/// The PBKDF2 key for one password, per server salt: derived once per client, not once per
/// connection (it costs tens of milliseconds on purpose). A restarted server has a new salt, and
/// the key is derived again.
/// </summary>
internal sealed class AuthKeyCache
{
    private readonly string _password;
    private readonly Lock _gate = new();
    private byte[]? _salt;
    private int _iterations;
    private byte[]? _key;

    public AuthKeyCache(string password)
    {
        _password = password;
    }

    public byte[] GetKey(ReadOnlySpan<byte> salt, int iterations)
    {
        lock (_gate)
        {
            if (_key is not null && _iterations == iterations && salt.SequenceEqual(_salt))
            {
                return _key;
            }
        }

        var key = Handshake.DeriveKey(_password, salt, iterations);
        lock (_gate)
        {
            _salt = salt.ToArray();
            _iterations = iterations;
            _key = key;
        }

        return key;
    }
}
