namespace CyberDb.Bench.Systems;

/// <summary>CyberDb over its TCP bridge on loopback, unencrypted: the same path Redis and Garnet take.</summary>
internal sealed class CyberDbTcpSystem : CyberDbSystem
{
    public override string Id => "cyberdb-tcp";

    public override string Transport => "tcp";

    protected override CyberTransport ClientTransport => CyberTransport.Tcp;
}
