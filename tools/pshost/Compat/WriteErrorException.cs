using System;

// Same full name as pwsh's (Microsoft.PowerShell.Commands.Utility is not in the SMA package), so
// that Write-Error's FullyQualifiedErrorId and CategoryInfo read exactly as in pwsh.
namespace Microsoft.PowerShell.Commands;

/// <summary>The exception Write-Error wraps a plain message in.</summary>
public sealed class WriteErrorException : SystemException
{
    public WriteErrorException()
        : base("An error was written.")
    {
    }

    public WriteErrorException(string message)
        : base(message)
    {
    }

    public WriteErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
