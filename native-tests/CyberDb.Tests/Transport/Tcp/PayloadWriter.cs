using MessagePack;

namespace CyberDb.Tests.Transport.Tcp;

/// <summary>Writes a raw request's arguments; by ref, since <see cref="MessagePackWriter"/> is a struct and a copy would lose what it buffered.</summary>
internal delegate void PayloadWriter(ref MessagePackWriter writer);
