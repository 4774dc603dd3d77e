{* Hostflow: the service's overview in the client area (variables from hostflow_ClientArea). *}
<div class="hostflow-overview">
{if $hostflowError}
    <div class="alert alert-warning">The server's details are unavailable right now. Please try again in a few minutes.</div>
{elseif !$hostflowInstance}
    <div class="alert alert-info">Your server is being set up. Its details appear here shortly.</div>
{else}
    <table class="table">
        <tr><th>Status</th><td>{$hostflowInstance.status|escape}</td></tr>
        <tr><th>IP address</th><td>{if $hostflowInstance.ip_address}{$hostflowInstance.ip_address|escape}{else}assigned when the server starts{/if}</td></tr>
        <tr><th>Address</th><td>{if $hostflowInstance.url}<a href="{$hostflowInstance.url|escape}" target="_blank" rel="noopener">{$hostflowInstance.url|escape}</a>{/if}</td></tr>
        <tr><th>Plan</th><td>{$hostflowInstance.plan|escape}</td></tr>
        <tr><th>Region</th><td>{$hostflowInstance.region|escape}</td></tr>
    </table>
    {if $hostflowOperations}
    <h4>Recent activity</h4>
    <table class="table table-condensed">
        <tr><th>Action</th><th>Status</th><th>Requested</th></tr>
        {foreach $hostflowOperations as $operation}
        <tr><td>{$operation.type|escape}{if $operation.detail} <small>({$operation.detail|escape})</small>{/if}</td><td>{$operation.status|escape}</td><td>{$operation.requested|escape}</td></tr>
        {/foreach}
    </table>
    {/if}
    {if $hostflowSnapshots}
    <h4>Snapshots</h4>
    <table class="table table-condensed">
        <tr><th>Snapshot</th><th>Description</th><th>Created</th></tr>
        {foreach $hostflowSnapshots as $snapshot}
        <tr><td>{$snapshot.id|escape}</td><td>{$snapshot.description|escape}</td><td>{$snapshot.created|escape}</td></tr>
        {/foreach}
    </table>
    {/if}
{/if}
</div>
