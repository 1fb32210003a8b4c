namespace CyberDb.Bench.Systems;

/// <summary>CyberDb over its TCP bridge with <c>Encrypt</c> on (AES-256-GCM per frame) on both sides.</summary>
internal sealed class CyberDbTcpEncryptedSystem : CyberDbSystem
{
    public override string Id => "cyberdb-tcp-aes";

    public override string Transport => "tcp+aes";

    protected override CyberTransport ClientTransport => CyberTransport.Tcp;

    protected override bool Encrypt => true;
}
