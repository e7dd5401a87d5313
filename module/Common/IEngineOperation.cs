using System;
using MfaPhone.Native;

namespace MfaPhone.Commands
{
    /// <summary>
    /// What every engine operation proxy offers besides its own input and result types (the
    /// SWIG proxies of Operation, PhoneMethodsOperation, ... implement it): whether it has ended,
    /// cancelling it (Ctrl+C), and its counters.
    /// </summary>
    internal interface IEngineOperation : IDisposable
    {
        bool Finished();
        void Cancel();
        OperationStats Stats();
    }
}
