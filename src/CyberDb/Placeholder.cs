namespace CyberDb;

internal static class Placeholder
{
}
