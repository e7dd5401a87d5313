using System.Management.Automation;

namespace MfaPhone.Commands
{
    /// <summary>
    /// <para type="synopsis">Shows what Sync-MfaPhone would change, without writing anything.</para>
    /// <para type="description">Reads and plans exactly as Sync-MfaPhone does and writes the plan as result
    /// objects: the changes it would make have Status WhatIf. Nothing is written to Graph.</para>
    /// </summary>
    [Cmdlet(VerbsData.Compare, "MfaPhone", DefaultParameterSetName = PipelineSet)]
    [OutputType(typeof(MfaSyncResult))]
    public sealed class CompareMfaPhoneCommand : SyncCommandBase
    {
        private protected override bool PlanOnly => true;

        private protected override string Activity => "Comparing MFA phone numbers";
    }
}
