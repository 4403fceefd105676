% rebase('base.tpl')
<h1>{{_('page.office')}}</h1>
% if error:
<p class="alarm" role="alert">{{_(error)}}</p>
% end
% if result:
<p class="notice" id="prompt-uploaded">{{_('office.uploaded')}}: {{result['language']}}/{{result['name']}} ({{result['seconds']}} s)</p>
% end
<section class="card">
<h2>{{_('office.daynight')}}</h2>
<table class="data" id="time-conditions">
<thead><tr><th>{{_('office.condition')}}</th><th>{{_('office.schedule')}}</th><th>{{_('office.in_force')}}</th><th>{{_('office.mode')}}</th></tr></thead>
% for t in status.get('time_conditions', []):
<tr><td>{{t['name']}}</td><td>{{_('office.period.' + t['schedule'], t['schedule'])}}</td><td>{{_('office.period.' + t['in_force'], t['in_force'])}}</td>
<td><form method="post" action="/office/daynight" class="inline">
<input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="condition" value="{{t['name']}}">
% for m in ('auto', 'day', 'night'):
<button type="submit" name="mode" value="{{m}}" class="small{{' active' if t['mode'] == m else ''}}">{{_('office.mode.' + m)}}</button>
% end
</form></td></tr>
% end
</table>
</section>
<section class="card">
<h2>{{_('office.mailboxes')}}</h2>
<table class="data" id="mailboxes">
% for b in status.get('mailboxes', []):
<tr><td>{{b['box']}} {{b['name']}}</td><td>{{b['new']}} / {{b['old']}}</td></tr>
% end
</table>
<h2>{{_('office.lockouts')}}</h2>
<table class="data" id="lockouts">
% for l in status.get('disa_lockouts', []):
<tr><td>{{l['disa']}}</td><td>{{l['caller']}}</td><td>{{l['seconds_left']}} s</td></tr>
% end
</table>
</section>
<section class="card">
<h2>{{_('office.prompt_upload')}}</h2>
<form method="post" action="/office/prompt" enctype="multipart/form-data" class="stack" id="prompt-upload">
<input type="hidden" name="csrf" value="{{csrf}}">
<label>{{_('office.prompt_name')}} <input name="name" placeholder="welcome"></label>
<label>{{_('office.language')}} <select name="language"><option>de</option><option>en</option><option>ru</option><option>pl</option></select></label>
<input type="file" name="file" accept=".wav,.mp3,.ogg">
<button type="submit">{{_('button.save')}}</button>
</form>
</section>
<section class="card" id="phonebook">
<h2>{{_('office.phonebook')}}</h2>
<p>{{_('office.phonebook_entries', count=phonebook)}} · <a class="button small" href="/office/phonebook.csv" id="phonebook-export">{{_('office.phonebook_export')}}</a></p>
% if role == 'admin':
<form method="post" action="/office/phonebook" enctype="multipart/form-data" class="stack" id="phonebook-import">
<input type="hidden" name="csrf" value="{{csrf}}">
<label>{{_('office.phonebook_import')}} <input type="file" name="file" accept=".csv,text/csv,text/plain"></label>
<p class="hint">{{_('office.phonebook_format')}}</p>
<label class="check"><input type="checkbox" name="merge" value="1"> {{_('office.phonebook_merge')}}</label>
<button type="submit">{{_('button.import')}}</button>
</form>
% end
</section>
