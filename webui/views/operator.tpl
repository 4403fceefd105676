% rebase('base.tpl')
<h1>{{_('page.operator')}}</h1>
% if not status['operator']:
<p class="notice" id="operator-unavailable">{{_('op.unavailable')}}</p>
% end
<section class="card operator" data-live="/api/status">
<div class="row">
<label>{{_('op.line')}}
<select id="op-line">
<option value="">—</option>
% for e in extensions:
<option value="{{e.number}}">{{e.number}} {{e.display_name}}</option>
% end
</select></label>
<label>{{_('op.number')}} <input id="op-number" inputmode="tel" pattern="[0-9+*#]*" autocomplete="off"></label>
<label>{{_('op.route')}}
<select id="op-route">
<option value="">{{_('op.route_auto')}}</option>
% for r in routes:
<option value="{{r}}">{{r}}</option>
% end
</select></label>
<button type="button" data-op="call" data-needs-number="1" id="op-call">{{_('op.call')}}</button>
</div>
<table class="data select" id="op-calls">
<thead><tr><th></th><th>#</th><th>{{_('col.from')}}</th><th>{{_('col.to')}}</th><th>{{_('col.state')}}</th><th>{{_('col.duration')}}</th></tr></thead>
<tbody id="op-calls-body">
% for c in status['calls']:
<tr data-call="{{c['call_id']}}"><td><input type="radio" name="call" value="{{c['call_id']}}" aria-label="{{c['call_id']}}"></td><td>{{c['call_id']}}</td><td>{{c['from_number']}} {{c['from_name']}}</td><td>{{c['to']}}</td><td>{{_('status.' + c['state'], c['state'])}}</td><td>{{int(c['duration_s'])}} s</td></tr>
% end
</tbody></table>
<p class="empty" id="op-calls-empty" {{'hidden' if status['calls'] else ''}}>{{_('dash.no_calls')}}</p>
<div class="groups">
<fieldset><legend>{{_('op.hold')}}</legend>
<button type="button" data-op="hold" id="op-hold">{{_('op.hold_button')}}</button>
<button type="button" data-op="retrieve" id="op-retrieve">{{_('op.retrieve')}}</button>
</fieldset>
<fieldset><legend>{{_('op.transfer')}}</legend>
<button type="button" data-op="transfer" data-needs-number="1" id="op-transfer">{{_('op.blind')}}</button>
<button type="button" data-op="consult" data-needs-number="1" id="op-consult">{{_('op.consult')}}</button>
<button type="button" data-op="confirm" id="op-confirm">{{_('op.confirm')}}</button>
</fieldset>
<fieldset><legend>{{_('op.conference')}}</legend>
<button type="button" data-op="conference" id="op-conference">{{_('op.conference_add')}}</button>
</fieldset>
<fieldset><legend>{{_('op.recording')}}</legend>
<button type="button" data-op="record_start" id="op-record-start">{{_('op.start')}}</button>
<button type="button" data-op="record_stop" id="op-record-stop">{{_('op.stop')}}</button>
</fieldset>
<fieldset><legend>{{_('op.pickup')}}</legend>
<button type="button" data-op="pickup" data-needs-number="1" id="op-pickup">{{_('op.pickup_button')}}</button>
</fieldset>
<fieldset><legend>{{_('op.park')}}</legend>
<button type="button" data-op="park" id="op-park">{{_('op.park_button')}}</button>
<button type="button" data-op="unpark" data-needs-number="1" id="op-unpark">{{_('op.unpark')}}</button>
</fieldset>
</div>
<p id="op-result" role="status" class="result"></p>
</section>
<p class="hint">{{_('op.hint')}}</p>
<dialog id="number-dialog">
<form method="dialog" class="stack">
<label id="number-dialog-label">{{_('op.ask_number')}} <input id="number-dialog-input" inputmode="tel" pattern="[0-9+*#]*" autocomplete="off"></label>
<div class="row"><button value="ok" id="number-dialog-ok">{{_('button.ok')}}</button><button value="cancel" formnovalidate>{{_('button.cancel')}}</button></div>
</form>
</dialog>
