using Microsoft.Extensions.Options;

namespace CyberDb.AspNetCore.Configuration;

/// <summary>
/// Validates <see cref="CyberDbClientOptions"/> with the client's own rules (one place for them:
/// <c>CyberDbClientOptions.Validated</c>), so a bad port or a missing password stops the host at
/// start-up with a message naming the option, instead of failing the first request.
/// </summary>
internal sealed class CyberDbClientOptionsValidator : IValidateOptions<CyberDbClientOptions>
{
    public ValidateOptionsResult Validate(string? name, CyberDbClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            _ = options.Validated();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
