% rebase('base.tpl')
<h1>Choose a new password</h1>
% if error:
<p class="alarm">{{error}}</p>
% end
<form method="post" action="/password">
<input type="hidden" name="csrf" value="{{csrf}}">
<label>New password <input name="new" type="password" autocomplete="new-password"></label>
<label>Again <input name="again" type="password" autocomplete="new-password"></label>
<button type="submit">Save</button>
</form>
