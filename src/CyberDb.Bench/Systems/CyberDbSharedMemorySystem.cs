namespace CyberDb.Bench.Systems;

/// <summary>CyberDb through its same-host shared-memory rings (<see cref="CyberTransport.SharedMemory"/>, no fallback).</summary>
internal sealed class CyberDbSharedMemorySystem : CyberDbSystem
{
    public override string Id => "cyberdb-shm";

    public override string Transport => "shm";

    protected override CyberTransport ClientTransport => CyberTransport.SharedMemory;
}
